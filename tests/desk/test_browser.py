"""The desk in a real browser (Debian's chromium through chromium-driver) against a real ``xltools serve``:
a county uploads a return with mistakes, reads the findings, downloads the annotated copy, uploads the fix
and sees its findings resolved; the bureau signs in, reads the ledger, sends one back, downloads the
summary. Screenshots go to ``artifacts/desk/`` (`docs/desk/` keeps a few of them for the README)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from support.serving import free_port

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "desk"
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def xltools(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xltools", *args, "--data", str(data)], capture_output=True, text=True, check=True
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``xltools serve`` on a free port over a fresh data folder, with one collection and one staff login."""
    data = tmp_path_factory.mktemp("desk-browser") / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    opened = json.loads(
        xltools(
            "desk", "open", "--spec", "yibao_dept", "--year", "2023", "--deadline", "2024-03-31",
            "--base-url", base, "--format", "json", data=data,
        ).stdout
    )  # fmt: skip
    pw = data.parent / "pw.txt"
    pw.write_text("a-long-password\n", encoding="utf-8")
    xltools("desk", "user", "add", "li", "--password-file", str(pw), data=data)
    proc = subprocess.Popen(
        [sys.executable, "-m", "xltools", "serve", "--data", str(data), "--port", str(port), "--checkers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""  # type: ignore[union-attr]
                pytest.fail(f"xltools serve did not start: {out}")
            time.sleep(0.3)
    links = {r["region_code"]: r["url"] for r in opened["regions"]}
    yield {"base": base, "collection": opened["collection"], **links}
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, Path]]:
    """Headless chromium; never skipped: without it these tests fail, saying what to install."""
    exe = next((p for p in CHROMIUM if os.path.exists(p)), None)
    driver_exe = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if exe is None or not os.path.exists(driver_exe):
        pytest.fail("chromium and chromium-driver are needed: run `bash .ci/run`, or deselect with -m 'not browser'")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = exe
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=zh-CN"):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(options=options, service=Service(driver_exe))
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(10)  # an element of the next page may take a moment after a click
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver, downloads
    driver.quit()


def shot(driver: object, name: str) -> None:
    """A full-page screenshot (the window grown to the page's height)."""
    height = driver.execute_script("window.scrollTo(0, 0); return document.documentElement.scrollHeight")  # type: ignore[attr-defined]
    driver.set_window_size(1280, max(700, min(int(height) + 40, 4000)))  # type: ignore[attr-defined]
    driver.save_screenshot(str(SHOTS / name))  # type: ignore[attr-defined]


def downloaded(folder: Path, suffix: str, timeout: float = 30) -> Path:
    """The newest finished download ending in ``suffix``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done and not any(p.name.endswith(".crdownload") for p in folder.iterdir()):
            return max(done, key=lambda p: p.stat().st_mtime)
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded: {[p.name for p in folder.iterdir()]}")


def upload(driver: object, path: Path, button: str = "submit") -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "file").send_keys(str(path))  # type: ignore[attr-defined]
    driver.find_element(By.ID, button).click()  # type: ignore[attr-defined]


def test_a_county_uploads_reads_fixes_and_sees_findings_resolved(server, browser, returns) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver, downloads = browser
    driver.get(server["440222"])
    assert "始兴县" in driver.find_element(By.TAG_NAME, "h1").text
    shot(driver, "county_empty.png")
    upload(driver, returns["mistakes"])
    WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.ID, "result")))
    rows = driver.find_elements(By.CSS_SELECTOR, "#result table.findings tbody tr")
    assert len(rows) == 3
    texts = [r.text for r in rows]
    assert all(any(ch.isdigit() for ch in t) for t in texts)  # each with its cell
    assert any("约2万" in t for t in texts) and any("联系电话" in t for t in texts)
    shot(driver, "county_findings.png")
    driver.find_element(By.ID, "annotated").click()
    annotated = downloaded(downloads, ".xlsx")
    wb = openpyxl.load_workbook(annotated)
    assert sum(1 for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment) >= 3
    upload(driver, returns["clean"])
    WebDriverWait(driver, 60).until(ec.text_to_be_present_in_element((By.ID, "result"), "第 2 版"))
    result = driver.find_element(By.ID, "result").text
    assert "已解决 3 项" in result and "未发现问题" in result
    assert len(driver.find_elements(By.CSS_SELECTOR, "#versions tbody tr")) == 2
    shot(driver, "county_resolved.png")


def test_the_check_only_button_records_nothing_and_works_without_javascript(server, browser, returns) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver, _ = browser
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        driver.get(server["440281"])
        upload(driver, returns["mistakes"], button="check")
        WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.ID, "result")))
        assert "检查结果（未提交）" in driver.find_element(By.ID, "result").text
        assert "始兴县" in driver.find_element(By.ID, "result").text  # another region's return, said so
        assert "尚未报送" in driver.page_source
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_the_bureau_signs_in_sends_one_back_and_downloads_the_summary(server, browser, returns) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver, downloads = browser
    driver.get(server["base"] + "/")
    assert driver.current_url.endswith("/login")
    shot(driver, "login.png")
    driver.find_element(By.ID, "name").send_keys("li")
    driver.find_element(By.ID, "password").send_keys("a-long-password")
    driver.find_element(By.ID, "sign-in").click()
    ledger = driver.find_element(By.ID, "ledger")
    rows = ledger.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 10
    cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, 'tr[data-region="440222"] td')]
    assert cells[1] == "始兴县" and cells[2] == "已报送" and cells[3] == "2"  # status, versions
    shot(driver, "ledger.png")
    driver.find_element(By.CSS_SELECTOR, 'tr[data-region="440222"] a').click()
    driver.find_element(By.ID, "comment").send_keys("请补充偏差原因")
    driver.find_element(By.ID, "return").click()
    WebDriverWait(driver, 30).until(ec.text_to_be_present_in_element((By.ID, "versions"), "请补充偏差原因"))
    shot(driver, "region.png")
    driver.get(server["base"] + "/")
    assert "已退回" in driver.find_element(By.CSS_SELECTOR, 'tr[data-region="440222"]').text
    for p in downloads.iterdir():
        p.unlink()
    driver.find_element(By.ID, "summary").click()
    book = openpyxl.load_workbook(downloaded(downloads, ".xlsx", timeout=120))
    values = [str(c.value) for row in book["汇总"].iter_rows() for c in row if c.value is not None]
    assert "始兴县" in values and "未报送" in values
    driver.get(server["440222"])
    county = driver.find_element(By.TAG_NAME, "body").text
    assert "退回修改" in county and "请补充偏差原因" in county
    shot(driver, "county_returned.png")
    with urllib.request.urlopen(server["base"] + f"/r/{server['440222'].rsplit('/', 1)[1]}") as r:
        assert r.status == 200 and io.BytesIO(r.read()).getbuffer().nbytes > 0
