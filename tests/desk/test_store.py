"""The desk as a library, on SQLite and on a real PostgreSQL: links, versions, statuses, reviews, crashes."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from xltools.desk import Desk, DeskError
from xltools.desk.blobs import FileBlobs
from xltools.desk.checking import Checker
from xltools.desk.ledger import chase
from xltools.desk.tables import Base, Version

DEADLINE = dt.date(2024, 3, 31)


def opened(desk: Desk) -> tuple[str, dict[str, str]]:
    o = desk.open_collection("yibao_dept", 2023, DEADLINE)
    return o.collection, {x.region_code: x.token for x in o.links}


def status(desk: Desk, cid: str, code: str) -> str:
    return next(r.status for r in desk.ledger(cid) if r.region_code == code)


def test_migrations_make_exactly_the_tables_of_the_model(desk: Desk) -> None:
    tables = set(inspect(desk.engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        assert {c["name"] for c in inspect(desk.engine).get_columns(name)} == {c.name for c in table.columns}


def test_open_gives_every_region_a_distinct_secret_and_the_json_of_design_14(desk: Desk) -> None:
    o = desk.open_collection("yibao_dept", 2023, DEADLINE, base_url="https://jxzp.example.cn/")
    data = o.to_dict()
    assert set(data) == {"collection", "admin_token", "regions"}
    assert data["collection"] == "yibao_dept-2023"
    assert [r["region_code"] for r in data["regions"]][:2] == ["440203", "440204"]
    tokens = [r["token"] for r in data["regions"]]
    assert len(set(tokens)) == 10 and all(len(t) >= 32 for t in tokens)  # 192 bits, URL-safe base64
    assert all(r["url"] == f"https://jxzp.example.cn/r/{r['token']}" for r in data["regions"])
    assert desk.open_collection("yibao_dept", 2023, DEADLINE).collection == "yibao_dept-2023-2"


def test_a_token_opens_its_own_region_only_and_a_reissued_one_nothing(desk: Desk) -> None:
    cid, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None and a.link.region_code == "440222" and a.collection.id == cid
    for bad in ("", "x", tokens["440222"][:-1], tokens["440222"] + "A", "A" * 5000, "../" * 10):
        assert desk.link(bad) is None
    new = desk.reissue(cid, "440222")
    assert desk.link(tokens["440222"]) is None
    assert desk.link(new.token).link.region_code == "440222"  # type: ignore[union-attr]
    assert desk.link(tokens["440281"]) is not None  # the others still work
    with pytest.raises(DeskError) as e:
        desk.reissue(cid, "999999")
    assert e.value.detail == "no_region"


def test_secrets_are_stored_as_digests_only(desk: Desk) -> None:
    o = desk.open_collection("yibao_dept", 2023, DEADLINE)
    desk.add_user("zhang.san", "correct horse battery")
    with desk.engine.connect() as conn:
        dump = json.dumps([list(map(str, r)) for t in Base.metadata.sorted_tables for r in conn.execute(t.select())])
    assert o.admin_token not in dump
    assert not any(x.token in dump for x in o.links)
    assert "correct horse battery" not in dump and "$argon2id$" in dump


def test_versions_are_numbered_kept_and_identical_bytes_are_stored_once(
    desk: Desk, checker: Checker, returns: dict[str, Path]
) -> None:
    cid, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None
    beside = sorted(p.name for p in returns["clean"].parent.iterdir())
    v1, c1 = desk.submit(a, returns["mistakes"], "始兴县.xlsx", checker.check)
    v2, _ = desk.submit(a, returns["mistakes"], "始兴县.xlsx", checker.check)
    v3, c3 = desk.submit(a, returns["clean"], "始兴县（改）.xlsx", checker.check)
    assert [v1.number, v2.number, v3.number] == [1, 2, 3]
    assert v1.sha256 == v2.sha256 != v3.sha256
    assert (v1.status, v1.errors) == ("errors", 3) and c1.report.region_code == "440222"
    assert (v2.errors, len(json.loads(v2.report)["findings"])) == (3, 3)  # once each, beside the diff
    assert v3.status == "ok" and c3.diff is not None
    assert {f["field"] for f in c3.diff["resolved"]} == {"phone", "penalties", "inspection_visits"}
    assert desk.content(v1) == returns["mistakes"].read_bytes()
    assert desk.content(v3) == returns["clean"].read_bytes()
    if isinstance(desk.blobs, FileBlobs):
        assert len([p for p in desk.blobs.root.rglob("*") if p.is_file()]) == 2
    assert [v.file_name for v in desk.versions(cid, "440222")] == ["始兴县.xlsx", "始兴县.xlsx", "始兴县（改）.xlsx"]
    assert sorted(p.name for p in returns["clean"].parent.iterdir()) == beside  # nothing written beside the file
    report = json.loads(v1.report)
    assert set(report) == {"file", "status", "spec", "spec_version", "region_code", "year", "findings"}
    assert {f["cell"] for f in report["findings"]} and all(f["sheet"] for f in report["findings"])


def test_another_regions_return_is_rejected_and_never_counted(
    desk: Desk, checker: Checker, returns: dict[str, Path]
) -> None:
    cid, tokens = opened(desk)
    a = desk.link(tokens["440281"])  # 乐昌市's link, 始兴县's return
    assert a is not None
    v, checked = desk.submit(a, returns["clean"], "x.xlsx", checker.check)
    assert v.status == "rejected"
    assert checked.report.findings[0].detail == "other_region"
    assert "始兴县" in checked.report.findings[0].text("zh") and "乐昌市" in checked.report.findings[0].text("zh")
    assert status(desk, cid, "440281") == "rejected"
    assert status(desk, cid, "440222") == "missing"


def test_statuses_follow_reviews_and_an_upload_after_approval_does_not_displace_it(
    desk: Desk, checker: Checker, returns: dict[str, Path]
) -> None:
    cid, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None
    assert status(desk, cid, "440222") == "missing"
    desk.submit(a, returns["mistakes"], "a.xlsx", checker.check)
    assert status(desk, cid, "440222") == "errors"
    with pytest.raises(DeskError) as e:
        desk.review(cid, "440222", 1, "returned", "   ", "li")
    assert e.value.detail == "comment_needed"
    desk.review(cid, "440222", 1, "returned", "电话请写区号", "li")
    assert status(desk, cid, "440222") == "returned"
    desk.submit(a, returns["clean"], "b.xlsx", checker.check)
    assert status(desk, cid, "440222") == "ok"
    desk.review(cid, "440222", 2, "approved", "", "li")
    row = next(r for r in desk.ledger(cid) if r.region_code == "440222")
    assert (row.status, row.counted.number, row.pending) == ("approved", 2, False)  # type: ignore[union-attr]
    desk.submit(a, returns["fixed_new_mistake"], "c.xlsx", checker.check)
    row = next(r for r in desk.ledger(cid) if r.region_code == "440222")
    assert (row.status, row.counted.number, row.versions, row.pending) == ("approved", 2, 3, True)  # type: ignore[union-attr]
    assert [x.action for x in desk.audit(cid)][:3] == ["approved", "returned", "open"]


def test_ledger_json_keys_on_time_and_the_chase_list(desk: Desk, checker: Checker, returns: dict[str, Path]) -> None:
    cid, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None
    desk.submit(a, returns["mistakes"], "a.xlsx", checker.check)
    before = desk.ledger(cid, today=dt.date(2024, 3, 1))
    after = desk.ledger(cid, today=dt.date(2024, 4, 1))
    row = next(r for r in before if r.region_code == "440222").to_dict()
    assert set(row) == {"region_code", "region_name", "status", "versions", "last_upload", "on_time"}
    assert row["on_time"] is False  # sent today, long after 2024-03-31
    assert row["last_upload"].endswith("+08:00")
    assert next(r for r in before if r.region_code == "440203").on_time is None  # nothing yet, not late yet
    assert next(r for r in after if r.region_code == "440203").on_time is False
    listed = chase(after)
    assert len(listed) == 10 and next(r for r in listed if r.region_code == "440222").contact == {
        "preparer": "钟健顺",
        "phone": "6927892",
    }


def test_a_closed_collection_takes_no_upload(desk: Desk, checker: Checker, returns: dict[str, Path]) -> None:
    cid, tokens = opened(desk)
    desk.close(cid, "li")
    a = desk.link(tokens["440222"])
    assert a is not None and a.closed
    with pytest.raises(DeskError) as e:
        desk.submit(a, returns["clean"], "a.xlsx", checker.check)
    assert e.value.detail == "closed"
    assert desk.versions(cid, "440222") == []


def test_staff_logins_sessions_and_bad_names(desk: Desk) -> None:
    desk.add_user("li", "a-long-password")
    for name, password, detail in (
        ("li", "another-password", "user_exists"),
        ("x y", "a-long-password", "user_name"),
        ("../etc", "a-long-password", "user_name"),
        ("wang", "short", "password_short"),
    ):
        with pytest.raises(DeskError) as e:
            desk.add_user(name, password)
        assert e.value.detail == detail
    assert desk.login("li", "wrong-password") is None
    assert desk.login("nobody", "a-long-password") is None
    cookie = desk.login("li", "a-long-password")
    assert cookie is not None
    who = desk.staff(cookie)
    assert who is not None and who.name == "li" and len(who.csrf) >= 32
    assert desk.staff(cookie + "x") is None
    desk.logout(cookie)
    assert desk.staff(cookie) is None
    assert [x.action for x in desk.audit()][:3] == ["login", "login_failed", "user_add"]


def test_concurrent_uploads_of_one_region_get_distinct_numbers(
    desk: Desk, checker: Checker, returns: dict[str, Path]
) -> None:
    """Eight writers at once: no "database is locked", no number twice, no upload lost."""
    cid, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None
    quick = lambda job: checker.check(job)  # noqa: E731
    failures: list[BaseException] = []

    def upload() -> None:
        for _ in range(3):
            try:
                desk.submit(a, returns["clean"], "a.xlsx", quick)
                return
            except DeskError as e:
                if e.detail != "busy":
                    failures.append(e)
                    return
            except BaseException as e:  # pragma: no cover - the failure the test looks for
                failures.append(e)
                return
        failures.append(RuntimeError("busy three times"))

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert [v.number for v in desk.versions(cid, "440222")] == list(range(1, 9))


def test_a_crash_between_file_and_row_leaves_nothing_the_ledger_does_not_know(
    tmp_path: Path, checker: Checker, returns: dict[str, Path]
) -> None:
    desk = Desk.at(tmp_path / "data")
    _, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None
    kept, _ = desk.submit(a, returns["clean"], "a.xlsx", checker.check)
    blobs = desk.blobs
    assert isinstance(blobs, FileBlobs)
    # the process died after storing a file and before committing its row, and mid-copy of another
    orphan = blobs.path("ab" * 32)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"half")
    (blobs.path(kept.sha256).parent / ".tmp-deadbeef").write_bytes(b"partial")
    assert Desk.at(tmp_path / "data").recover() == 2
    files = sorted(p.name for p in blobs.root.rglob("*") if p.is_file())
    assert files == [kept.sha256]
    with desk.tx() as s:
        assert list(s.scalars(select(Version.sha256))) == [kept.sha256]


def test_a_rejected_version_cannot_be_approved(desk: Desk, checker: Checker, returns: dict[str, Path]) -> None:
    cid, tokens = opened(desk)
    a = desk.link(tokens["440281"])
    assert a is not None
    desk.submit(a, returns["clean"], "x.xlsx", checker.check)  # 始兴县's return on 乐昌市's link
    with pytest.raises(DeskError) as e:
        desk.review(cid, "440281", 1, "approved", "", "li")
    assert e.value.detail == "approve_rejected"
    assert status(desk, cid, "440281") == "rejected"


def test_a_newer_version_sent_back_is_not_awaiting_review(
    desk: Desk, checker: Checker, returns: dict[str, Path]
) -> None:
    cid, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None
    desk.submit(a, returns["clean"], "a.xlsx", checker.check)
    desk.submit(a, returns["mistakes"], "b.xlsx", checker.check)
    desk.review(cid, "440222", 2, "returned", "改回来", "li")
    desk.review(cid, "440222", 1, "approved", "", "li")
    row = next(r for r in desk.ledger(cid) if r.region_code == "440222")
    assert (row.status, row.counted.number, row.pending) == ("approved", 1, False)  # type: ignore[union-attr]


def test_a_reissued_region_keeps_its_place_in_the_list(desk: Desk) -> None:
    cid, _ = opened(desk)
    before = [r.region_code for r in desk.ledger(cid)]
    desk.reissue(cid, "440203")
    assert [r.region_code for r in desk.ledger(cid)] == before
    assert [x.region_code for x in desk.regions(cid)] == before


def test_a_check_that_did_not_finish_is_refused_not_recorded(desk: Desk, returns: dict[str, Path]) -> None:
    cid, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None
    hasty = Checker(workers=1, timeout=0.001)
    try:
        assert hasty.ready()
        with pytest.raises(DeskError) as e:
            desk.submit(a, returns["clean"], "a.xlsx", hasty.check)
    finally:
        hasty.close()
    assert e.value.detail == "check_failed"
    assert desk.versions(cid, "440222") == []


def test_a_regions_versions_are_capped(
    desk: Desk, checker: Checker, returns: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import xltools.desk.service as service

    monkeypatch.setattr(service, "MAX_VERSIONS", 2)
    cid, tokens = opened(desk)
    a = desk.link(tokens["440222"])
    assert a is not None
    desk.submit(a, returns["clean"], "a.xlsx", checker.check)
    desk.submit(a, returns["clean"], "a.xlsx", checker.check)
    with pytest.raises(DeskError) as e:
        desk.submit(a, returns["clean"], "a.xlsx", checker.check)
    assert e.value.detail == "too_many_versions"
    assert len(desk.versions(cid, "440222")) == 2


def test_the_collections_targets_hold_even_when_a_return_drops_its_record(
    desk: Desk, checker: Checker, tmp_path: Path
) -> None:
    """A return on a plain template (no targets record inside) cannot escape the approved list: the desk
    compares it with the targets it holds; a return filled in the region's own template is clean of them."""
    from returns import make_return, seed
    from support.fill import fill_return

    from xltools.spec import load_spec
    from xltools.targets import read_targets
    from xltools.template import build_template

    spec = load_spec("yibao_dept")
    sample = Path(__file__).resolve().parents[2] / "samples" / "targets" / "yibao_dept_2025_targets.csv"
    rows = read_targets(sample, spec, 2025).rows
    o = desk.open_collection("yibao_dept", 2025, dt.date(2026, 3, 31), targets=rows)
    a = desk.link(next(x.token for x in o.links if x.region_code == "440222"))
    assert a is not None
    # a plain template (no record inside) with one approved target lowered: 1500 → 1200
    plain = make_return(tmp_path, {"fill_date": "2026-03-01"}, {("ind_target", 1): 1200}, year=2025, name="plain.xlsx")
    _, checked = desk.submit(a, plain, "plain.xlsx", checker.check)
    held = [(f.field, f.cell, f.expected, f.actual) for f in checked.report.findings if f.code == "tampered"]
    assert len(held) == 1 and held[0][0] == "ind_target" and held[0][2:] == (1500, 1200) and held[0][1]
    from xltools.check import check_file

    assert not [f for f in check_file(plain).findings if f.code == "tampered"]  # the file alone cannot tell
    # the region's own template, prefilled with the same list the desk holds (as GET /r/<token>/template builds it)
    template = build_template(
        spec, tmp_path / "t.xlsx", 2025, spec.regions.find("440222"), targets=json.loads(o_targets(desk, o.collection))
    )
    n = len(rows["440222"])
    values = dict(seed()["values"]) | {"year": 2025, "fill_date": "2026-03-01"}
    for c in ("ind_level1", "ind_level2", "ind_name", "ind_direction", "ind_unit", "ind_target", "ind_weight"):
        values.pop(c, None)
    for c in ("ind_actual", "ind_score", "ind_reason"):
        values[c] = values[c][:n]
    own = fill_return(template, values, tmp_path / "own.xlsx")
    _, checked = desk.submit(a, own, "own.xlsx", checker.check)
    assert not [f for f in checked.report.findings if f.code == "tampered"], [
        f.to_dict() for f in checked.report.findings
    ]


def o_targets(desk: Desk, cid: str) -> str:
    targets = desk.collection(cid).targets
    assert targets is not None
    return targets
