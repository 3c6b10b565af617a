"""The desk over HTTP (FastAPI's TestClient, the real app, a real checker process): DESIGN §14's URLs and
JSON, the county's and the bureau's pages, and requests as an attacker would send them."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from xltools.desk import Desk, Opened
from xltools.desk.checking import Checker
from xltools.web import Settings, create_app
from xltools.web.app import MB

JSON = {"Accept": "application/json"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def site(tmp_path: Path, checker: Checker) -> Iterator[tuple[TestClient, Desk, Opened]]:
    settings = Settings(data=tmp_path / "data", max_upload=1 * MB)
    desk = Desk.at(settings.data)
    o = desk.open_collection("yibao_dept", 2023, dt.date(2024, 3, 31), base_url="http://testserver")
    desk.add_user("li", "a-long-password")
    with TestClient(create_app(settings, desk, checker), follow_redirects=False) as client:
        yield client, desk, o


def token(o: Opened, code: str = "440222") -> str:
    return next(x.token for x in o.links if x.region_code == code)


def send(client: TestClient, t: str, path: Path, name: str | None = None, json: bool = True, action: str = "returns"):  # type: ignore[no-untyped-def]
    files = {"file": (name or path.name, path.read_bytes(), XLSX)}
    return client.post(f"/r/{t}/{action}", files=files, headers=JSON if json else {})


def sign_in(client: TestClient, name: str = "li", password: str = "a-long-password") -> str:
    """Sign in; the session cookie's Set-Cookie header."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"name": name, "password": password, "csrf": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/"
    return next(h for h in r.headers.get_list("set-cookie") if h.startswith("xltools_session="))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


# --- the county ---------------------------------------------------------------------------------------
def test_county_page_template_and_json_upload(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    t = token(o)
    page = client.get(f"/r/{t}")
    assert page.status_code == 200 and "始兴县" in page.text and "2024-03-31" in page.text
    assert 'enctype="multipart/form-data"' in page.text and 'name="file"' in page.text
    template = client.get(f"/r/{t}/template")
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    assert "440222" in str([c.value for row in wb.worksheets[1].iter_rows() for c in row])
    r = send(client, t, returns["mistakes"])
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"version", "report"} and body["version"] == 1
    assert set(body["report"]) == {"file", "status", "spec", "spec_version", "region_code", "year", "findings"}
    assert body["report"]["status"] == "errors" and body["report"]["file"] == "440222_mistakes.xlsx"
    cells = {(f["sheet"], f["cell"]) for f in body["report"]["findings"]}
    assert len(cells) == 3 and all(s and c for s, c in cells)
    assert send(client, t, returns["clean"]).json()["version"] == 2


def test_html_upload_shows_findings_then_what_the_fix_resolved(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    t = token(o)
    r = send(client, t, returns["mistakes"], json=False)
    assert r.status_code == 303 and r.headers["location"] == f"/r/{t}?v=1#result"
    page = client.get(f"/r/{t}?v=1").text
    assert "第 1 版校验结果" in page and "联系电话" in page and "约2万" in page
    assert f'href="/r/{t}/returns/1/annotated"' in page
    annotated = client.get(f"/r/{t}/returns/1/annotated")
    assert annotated.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(annotated.content))
    assert any(c.comment for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    send(client, t, returns["clean"], json=False)
    page = client.get(f"/r/{t}?v=2").text
    assert "与第 1 版相比" in page and "已解决 3 项" in page and "新出现 0 项" in page


def test_check_only_records_no_version(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, desk, o = site
    t = token(o)
    page = send(client, t, returns["mistakes"], json=False, action="check")
    assert page.status_code == 200 and "检查结果（未提交）" in page.text and "约2万" in page.text
    assert send(client, t, returns["mistakes"], action="check").json()["version"] is None
    assert desk.versions(o.collection, "440222") == []


def test_a_wrong_or_reissued_token_is_a_plain_404(site) -> None:  # type: ignore[no-untyped-def]
    client, desk, o = site
    old = token(o)
    desk.reissue(o.collection, "440222")
    for t in (old, "nope", "%2e%2e", "a" * 300):
        for path in (f"/r/{t}", f"/r/{t}/template", f"/r/{t}/returns/1/annotated"):
            r = client.get(path)
            assert r.status_code == 404 and "链接无效" in r.text and "Traceback" not in r.text
    assert client.post(f"/r/{old}/returns", files={"file": ("a.xlsx", b"x")}).status_code == 404


def test_a_token_reaches_its_own_regions_versions_only(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    send(client, token(o, "440222"), returns["mistakes"])
    assert client.get(f"/r/{token(o, '440281')}/returns/1/annotated").status_code == 404
    assert "440222_mistakes" not in client.get(f"/r/{token(o, '440281')}").text


def test_an_upload_over_the_cap_is_refused_while_streaming(site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client, desk, o = site
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK" + b"\0" * (3 * MB))
    r = send(client, token(o), big)
    assert r.status_code == 413 and r.json()["error"] == "too_large" and "1 MB" in r.json()["message"]
    assert send(client, token(o), big, json=False).status_code == 413
    assert desk.versions(o.collection, "440222") == []
    assert not list((tmp_path / "data" / "incoming").rglob("*.xlsx"))


@pytest.mark.parametrize(
    ("body", "ctype", "error"),
    [
        (b"file=abc", "application/x-www-form-urlencoded", "bad_form"),
        (
            b'--XX\r\nContent-Disposition: form-data; name="other"\r\n\r\nhi\r\n--XX--\r\n',
            "multipart/form-data; boundary=XX",
            "no_file",
        ),
        (
            b'--XX\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\n\r\n--XX--\r\n',
            "multipart/form-data; boundary=XX",
            "no_file",
        ),
        (b"garbage without any boundary", "multipart/form-data; boundary=XX", "bad_form"),
        (b"", "multipart/form-data", "bad_form"),
    ],
)
def test_malformed_uploads_get_one_line(site, body: bytes, ctype: str, error: str) -> None:  # type: ignore[no-untyped-def]
    client, desk, o = site
    r = client.post(f"/r/{token(o)}/returns", content=body, headers={"content-type": ctype, **JSON})
    assert r.status_code == 400 and r.json()["error"] == error
    assert desk.versions(o.collection, "440222") == []


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/cron.d/x.xlsx",
        "..\\..\\win.ini.xlsx",
        "a\x00b\r\nSet-Cookie: x=1.xlsx",
        '=HYPERLINK("x").xlsx',
        "<script>alert(1)</script>.xlsx",
    ],
)
def test_hostile_file_names_are_shown_never_used(site, returns, tmp_path, name: str) -> None:  # type: ignore[no-untyped-def]
    client, desk, o = site
    r = send(client, token(o), returns["clean"], name=name)
    assert r.status_code == 201
    shown = desk.versions(o.collection, "440222")[0].file_name
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown and "\n" not in shown
    page = client.get(f"/r/{token(o)}").text
    assert "<script>alert" not in page
    stored = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert all(
        p.name in ("desk.sqlite3", "desk.sqlite3-wal", "desk.sqlite3-shm") or re.fullmatch(r"[0-9a-f]{64}", p.name)
        for p in stored
    )


def test_not_a_workbook_is_recorded_as_rejected_with_its_reason(site) -> None:  # type: ignore[no-untyped-def]
    client, desk, o = site
    r = client.post(f"/r/{token(o)}/returns", files={"file": ("a.xlsx", b"%PDF-1.4 hello")}, headers=JSON)
    assert r.status_code == 201 and r.json()["report"]["status"] == "unreadable"
    assert desk.versions(o.collection, "440222")[0].status == "rejected"


def test_uploads_to_a_closed_collection_are_refused_with_the_reason(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, desk, o = site
    desk.close(o.collection, "li")
    r = send(client, token(o), returns["clean"])
    assert r.status_code == 403 and r.json()["error"] == "closed"
    html = send(client, token(o), returns["clean"], json=False)
    assert html.status_code == 403 and "已截止关闭" in html.text
    assert "本次收集已关闭" in client.get(f"/r/{token(o)}").text


def test_security_headers_on_every_page(site) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    for path in (f"/r/{token(o)}", "/login", "/r/nope"):
        h = client.get(path).headers
        assert (
            "default-src 'none'" in h["content-security-policy"]
            and "frame-ancestors 'none'" in h["content-security-policy"]
        )
        assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "no-referrer"
        assert h["cache-control"] == "no-store" and h["x-frame-options"] == "DENY"


# --- the bureau ---------------------------------------------------------------------------------------
def test_bureau_pages_need_a_sign_in(site) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    for path in (
        "/",
        f"/c/{o.collection}/r/440222",
        f"/c/{o.collection}/summary.xlsx",
        f"/c/{o.collection}/chase",
        f"/c/{o.collection}/audit",
    ):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_sign_in_needs_its_csrf_token_and_the_right_password(site) -> None:  # type: ignore[no-untyped-def]
    client, _desk, _o = site
    client.get("/login")
    assert (
        client.post("/login", data={"name": "li", "password": "a-long-password", "csrf": "forged"}).status_code == 403
    )
    csrf = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": "li", "password": "wrong-one", "csrf": csrf})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    header = sign_in(client).lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header
    assert client.get("/").status_code == 200


def test_ledger_review_and_what_the_county_sees(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    send(client, token(o), returns["mistakes"])
    sign_in(client)
    ledger = client.get("/").text
    assert "报送台账" in ledger and ledger.count('data-region="') == 10
    assert re.search(r'data-region="440222".*?已报送（有错误）', ledger, re.S)
    region = client.get(f"/c/{o.collection}/r/440222")
    assert region.status_code == 200 and "约2万" in region.text
    csrf = csrf_of(region.text)
    url = f"/c/{o.collection}/r/440222/versions/1/review"
    assert client.post(url, data={"action": "returned", "comment": "x", "csrf": "bad"}).status_code == 403
    assert client.post(url, data={"action": "returned", "comment": "x"}).status_code == 403
    r = client.post(url, data={"action": "returned", "comment": "<b>电话请写区号</b>", "csrf": csrf})
    assert r.status_code == 303
    county = client.get(f"/r/{token(o)}").text
    assert "退回修改" in county and "&lt;b&gt;电话请写区号&lt;/b&gt;" in county
    assert "已退回" in client.get("/").text
    audit = client.get(f"/c/{o.collection}/audit").text
    assert "li" in audit and "退回" in audit


def test_summary_chase_list_and_close(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    send(client, token(o), returns["clean"])
    send(client, token(o, "440281"), returns["clean"])  # another region's return: rejected
    sign_in(client)
    r = client.get(f"/c/{o.collection}/summary.xlsx")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb["汇总"]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "始兴县" in cells and "已报送" in cells and "未报送" in cells
    export = client.get(f"/c/{o.collection}/export.csv")
    assert export.status_code == 200 and "440222" in export.content.decode("utf-8-sig")
    chase = client.get(f"/c/{o.collection}/chase.csv").content.decode("utf-8-sig")
    assert "440222" not in chase and "440281" in chase and "无法受理" in chase and "440203" in chase
    page = client.get("/").text
    csrf = csrf_of(page)
    assert client.post(f"/c/{o.collection}/close", data={"csrf": "x"}).status_code == 403
    assert client.post(f"/c/{o.collection}/close", data={"csrf": csrf}).status_code == 303
    assert send(client, token(o), returns["clean"]).status_code == 403
    assert "关闭收集" in client.get(f"/c/{o.collection}/audit").text


def test_chase_list_cells_never_become_formulas(site, returns, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from returns import make_return

    client, _desk, o = site
    evil = make_return(tmp_path, {"phone": '=HYPERLINK("http://x","y")'}, name="evil.xlsx")
    send(client, token(o), evil)
    sign_in(client)
    chase = client.get(f"/c/{o.collection}/chase.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in chase and ",=HYPERLINK" not in chase


def test_logout_ends_the_session(site) -> None:  # type: ignore[no-untyped-def]
    client, _desk, _o = site
    sign_in(client)
    cookie = client.cookies.get("xltools_session")
    csrf = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    client.cookies.set("xltools_session", cookie)  # a stolen cookie after sign-out
    assert client.get("/").status_code == 303


def test_a_huge_form_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    client, _desk, _o = site
    r = client.post(
        "/login", content=b"a=" + b"x" * (200 * 1024), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413


# --- the API ------------------------------------------------------------------------------------------
def test_api_needs_the_collections_admin_token(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    send(client, token(o), returns["clean"])
    url = f"/api/collections/{o.collection}/ledger"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get(url, headers={"Authorization": f"Bearer {token(o)}"}).status_code == 403  # a county token
    assert (
        client.get("/api/collections/other/ledger", headers={"Authorization": f"Bearer {o.admin_token}"}).status_code
        == 403
    )
    rows = client.get(url, headers={"Authorization": f"Bearer {o.admin_token}"}).json()
    assert len(rows) == 10 and set(rows[0]) == {
        "region_code",
        "region_name",
        "status",
        "versions",
        "last_upload",
        "on_time",
    }
    assert {r["region_code"]: r["status"] for r in rows}["440222"] == "ok"
    assert {r["status"] for r in rows} == {"ok", "missing"}
    book = client.get(
        f"/api/collections/{o.collection}/summary.xlsx", headers={"Authorization": f"Bearer {o.admin_token}"}
    )
    assert book.status_code == 200 and "汇总" in openpyxl.load_workbook(io.BytesIO(book.content)).sheetnames


def test_repeated_wrong_passwords_are_throttled(site) -> None:  # type: ignore[no-untyped-def]
    client, _desk, _o = site
    page, codes = client.get("/login"), []
    for i in range(12):
        r = client.post("/login", data={"name": "li", "password": f"guess-{i}", "csrf": csrf_of(page.text)})
        codes.append(r.status_code)
        page = r if r.status_code == 401 else client.get("/login")  # each sign-in page has a fresh token
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    fresh = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": "li", "password": "a-long-password", "csrf": fresh})
    assert r.status_code == 429 and "分钟后再试" in r.text  # even the right password waits


def test_odd_addresses_get_plain_answers_never_a_500(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    t = token(o)
    send(client, t, returns["clean"])
    for path in (
        f"/r/{t}/returns/99999999999999999999/annotated",
        f"/r/{t}/returns/abc/annotated",
        f"/r/{t}/returns/0/annotated",
    ):
        r = client.get(path)
        assert r.status_code == 404 and "Traceback" not in r.text and "detail" not in r.text
    r = client.get(f"/r/{t}?v=abc")
    assert r.status_code == 404 and "content-security-policy" in r.headers
    assert client.get(f"/r/{t}/", headers={"Host": "evil.example"}).status_code == 404  # no redirect to that host
    r = client.delete(f"/r/{t}")
    assert r.status_code == 405 and "不支持" in r.text
    r = client.get(f"/api/collections/{o.collection}/ledger")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    sign_in(client)
    for path in (
        f"/c/{o.collection}/r/440222/versions/99999999999999999999/file",
        f"/c/{o.collection}/r/440222?v=99999999999999999999",
    ):
        assert client.get(path).status_code in (200, 404)


def test_a_file_part_without_a_name_never_shows_the_servers_path(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\n'
        + returns["clean"].read_bytes()
        + b"\r\n--XX--\r\n"
    )
    r = client.post(
        f"/r/{token(o)}/returns", content=body, headers={"content-type": "multipart/form-data; boundary=XX", **JSON}
    )
    assert r.status_code == 201 and r.json()["report"]["file"] == "upload.xlsx"
    assert "/incoming/" not in r.text and "/tmp" not in r.text


def test_a_body_of_many_parts_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    client, desk, o = site
    part = b'--XX\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n'
    r = client.post(
        f"/r/{token(o)}/returns",
        content=part * 1000 + b"--XX--\r\n",
        headers={"content-type": "multipart/form-data; boundary=XX", **JSON},
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_form"
    assert desk.versions(o.collection, "440222") == []


def test_download_names_cannot_break_out_of_the_header(site, returns) -> None:  # type: ignore[no-untyped-def]
    client, _desk, o = site
    send(client, token(o), returns["clean"], name='x"; filename=evil.html; y.xlsx')
    sign_in(client)
    r = client.get(f"/c/{o.collection}/r/440222/versions/1/file")
    disposition = r.headers["content-disposition"]
    assert disposition.count('"') == 2 and "evil.html;" not in disposition.split("filename*=")[0]
