"""An installed wheel works (issue #9): built from this checkout, installed into a fresh venv, and run from
another folder — specs, make-template, check and aggregate use the specs it carries as package data."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv holding only the wheel (it sees the dependencies installed here)."""
    d = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
            "-w",
            str(d / "dist"),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (d / "dist").glob("xltools-*.whl")
    venv.create(d / "venv", system_site_packages=True, with_pip=False)
    python = d / "venv" / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    return python


def run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(cwd)}
    return subprocess.run([str(python), "-m", "xltools", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_the_wheel_is_imported_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    code = "import xltools, xltools.spec as s; print(xltools.__file__); print(s.bundled_schemas())"
    out = subprocess.run([str(installed), "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    module, schemas = out.splitlines()
    assert not module.startswith(str(ROOT)) and "site-packages" in module
    assert schemas.endswith("xltools/schemas") and "site-packages" in schemas


def test_the_three_commands_run_from_another_folder(installed: Path, tmp_path: Path) -> None:
    specs = run(installed, tmp_path, "specs")
    assert specs.returncode == 0 and "yibao_dept" in specs.stdout and "project" in specs.stdout, specs.stderr
    made = run(
        installed,
        tmp_path,
        "make-template",
        "--spec",
        "yibao_dept",
        "--region",
        "440222",
        "--year",
        "2023",
        "-o",
        "t.xlsx",
    )
    assert made.returncode == 0 and (tmp_path / "t.xlsx").is_file(), made.stderr
    sample = next((ROOT / "samples" / "returns" / "yibao_dept_2023").glob("440222_*.xlsx"))
    checked = run(installed, tmp_path, "check", "--format", "json", str(sample))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["status"] == "ok"
    summary = run(installed, tmp_path, "aggregate", str(sample.parent), "-o", "s.xlsx")
    assert summary.returncode == 0 and (tmp_path / "s.xlsx").is_file(), summary.stderr


def test_specs_in_an_empty_folder_is_an_error_not_silence(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run(installed, tmp_path, "specs", "--schemas", "empty")
    assert result.returncode == 2 and "没有任何表样定义" in result.stderr and result.stdout == ""


def test_the_desk_runs_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    """Its migrations, page templates and stylesheet travel in the wheel."""
    opened = run(installed, tmp_path, "desk", "open", "--spec", "yibao_dept", "--year", "2023", "--deadline", "2024-03-31", "--format", "json")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    assert (tmp_path / "xltools-data" / "desk.sqlite3").is_file()
    token = json.loads(opened.stdout)["regions"][0]["token"]
    code = (
        "from fastapi.testclient import TestClient\n"
        "from xltools.web import create_app, Settings\n"
        "with TestClient(create_app(Settings(checkers=1))) as c:\n"
        f"    print(c.get('/r/{token}').status_code, c.get('/static/desk.css').status_code, c.get('/login').status_code)\n"
    )
    out = subprocess.run([str(installed), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["200", "200", "200"], out.stderr[-2000:]
