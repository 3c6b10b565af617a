"""The summary's largest sheet written by a forked process while this one writes the others (issue #14): the same
workbook, byte for byte, as writing it here — and written here after all when the child cannot do it alone."""

from __future__ import annotations

import os
import random
import signal
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from returns import SHIXING, region_return, seed
from support.synth import synthesize

from xltools.aggregate import aggregate, collect
from xltools.aggregate import apart as apart_module
from xltools.aggregate import summary as summary_module
from xltools.aggregate.fitted import Fitted
from xltools.atomic import terminate_cleanly


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six regions' returns, one with markup, a formula look-alike and a text taller than a row can be."""
    d = tmp_path_factory.mktemp("apart") / "in"
    base = seed(SHIXING)
    spec = base["spec"]
    rng = random.Random(5)
    for region in spec.regions.regions[:6]:
        values = dict(synthesize(spec, base["values"], region, 2023, rng))
        if region is spec.regions.regions[0]:
            values["ind_name"] = ['=HYPERLINK("http://x","<点击> & _x0041_")', *values["ind_name"][1:]]
            values["ind_name"][1] = "\n".join(f"第{i}行说明" for i in range(60))
        region_return(spec, values, 2023, region, d / f"{region.code}.xlsx")
    return d


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:  # core.xml holds the time it was written
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def _write(summary: Any, path: Path, monkeypatch: pytest.MonkeyPatch, apart: bool) -> list[apart_module.Apart]:
    """Write ``summary`` to ``path``, its largest sheet apart or here; the children that were forked."""
    children: list[apart_module.Apart] = []
    start = apart_module.Apart.start.__func__  # type: ignore[attr-defined]

    def started(cls: type, *args: Any) -> apart_module.Apart | None:
        child = start(cls, *args)
        if child is not None:
            children.append(child)
        return child

    with monkeypatch.context() as m:
        m.setattr(summary_module, "APART_ROWS", 0 if apart else 10**9)
        m.setattr(apart_module.Apart, "start", classmethod(started))
        summary_module.write_summary(summary, path)
    return children


@pytest.mark.parametrize("spilled", [False, True], ids=["in memory", "spilled"])
def test_a_sheet_written_apart_is_the_same_workbook(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spilled: bool
) -> None:
    """In memory, and with every return's details in the run's spool (the child reads it through its own
    connection)."""
    if spilled:
        monkeypatch.setattr(collect, "SPILL", 0)
        monkeypatch.setattr(collect, "STREAM", 2)
    summary = aggregate([inbox], spec="yibao_dept", year=2023, jobs=1)
    assert (summary.spool is not None) == spilled
    children = _write(summary, tmp_path / "apart.xlsx", monkeypatch, apart=True)
    assert len(children) == 1 and children[0].fallback == ""  # the child wrote its sheet
    assert _write(summary, tmp_path / "here.xlsx", monkeypatch, apart=False) == []
    a, b = _parts(tmp_path / "apart.xlsx"), _parts(tmp_path / "here.xlsx")
    assert a.keys() == b.keys() and "xl/worksheets/sheet4.xml" in a
    assert a == b
    assert b"<row" in a["xl/worksheets/sheet4.xml"] and "第59行说明".encode() in a["xl/worksheets/sheet4.xml"]
    summary.close()


def _in_child(parent: int) -> bool:
    return os.getpid() != parent


@pytest.mark.parametrize("fault", ["raises", "dies", "is stopped", "makes a format"])
def test_a_child_that_cannot_write_its_sheet_leaves_it_to_the_parent(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """A child that fails, dies, or does what the parent could not take from it (a format of its own): the sheet
    is written here after all, and the workbook is what writing it here gives."""
    summary = aggregate([inbox], spec="yibao_dept", year=2023, jobs=1)
    parent = os.getpid()
    write = summary_module._Writer.indicator_sheet

    def faulty(self: Any, ws: Any) -> None:
        assert isinstance(ws, Fitted)
        if fault == "raises" and _in_child(parent):
            raise RuntimeError("disk full")
        if fault == "dies" and _in_child(parent):
            os._exit(3)
        if fault == "is stopped" and _in_child(parent):  # SIGTERM ends the child, not its parent's way
            os.kill(os.getpid(), signal.SIGTERM)
        if fault == "makes a format":  # here too: a format first made while rows are written
            ws.write_string(2, 30, "x", self.style.make(italic=True, font_color="#123456"))
        write(self, ws)

    monkeypatch.setattr(summary_module._Writer, "indicator_sheet", faulty)
    handler = signal.getsignal(signal.SIGTERM)
    terminate_cleanly()  # as the command does: SIGTERM raises SystemExit, so that temporary files go
    try:
        children = _write(summary, tmp_path / "apart.xlsx", monkeypatch, apart=True)
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert len(children) == 1
    expected = {
        "raises": "failed: RuntimeError: disk full",
        "dies": "died: exit status 3",
        "is stopped": f"died: exit status -{signal.SIGTERM}",
        "makes a format": "workbook",
    }[fault]
    assert children[0].fallback.startswith(expected), children[0].fallback
    _write(summary, tmp_path / "here.xlsx", monkeypatch, apart=False)
    assert _parts(tmp_path / "apart.xlsx") == _parts(tmp_path / "here.xlsx")


def test_no_child_is_forked_while_another_thread_runs(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forking a process with threads (the desk's server) could leave a lock held in the child: written here."""
    summary = aggregate([inbox], spec="yibao_dept", year=2023, jobs=1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        children = _write(summary, tmp_path / "s.xlsx", monkeypatch, apart=True)
    finally:
        stop.set()
        other.join()
    assert children == []
    assert _parts(tmp_path / "s.xlsx") == _parts(summary_module.write_summary(summary, tmp_path / "again.xlsx"))


def test_a_failing_parent_stops_its_child(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error (or Ctrl-C) while this process writes its own sheets: the child is killed and reaped, no file."""
    summary = aggregate([inbox], spec="yibao_dept", year=2023, jobs=1)
    children: list[apart_module.Apart] = []
    start = apart_module.Apart.start.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        apart_module.Apart, "start", classmethod(lambda cls, *a: children.append(start(cls, *a)) or children[-1])
    )
    monkeypatch.setattr(summary_module, "APART_ROWS", 0)

    def broken(self: Any, ws: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(summary_module._Writer, "findings_sheet", broken)
    with pytest.raises(KeyboardInterrupt):
        summary_module.write_summary(summary, tmp_path / "s.xlsx")
    assert len(children) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0].pid, os.WNOHANG)  # reaped: no such child any more
    assert not (tmp_path / "s.xlsx").exists()


def test_every_format_is_made_before_a_row_is_written(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever sheet goes apart, its child makes no format (it would be written here after all): every format the
    sheets use — statuses, each figure's number format, the totals' — is made and numbered before the first row."""
    summary = aggregate([inbox, Path("samples/returns/yibao_dept_2023")], spec="yibao_dept", year=2023, jobs=1)
    assert {sub.status for sub in summary.submissions} >= {"ok", "duplicate"}
    counts: dict[str, int] = {}
    fix, close = summary_module.Styles.fix, summary_module.xlsxwriter.Workbook.close

    def fixed(self: Any) -> None:
        fix(self)
        counts["fixed"] = len(self.wb.formats)

    def closed(self: Any) -> None:
        counts["closed"] = len(self.formats)
        close(self)

    monkeypatch.setattr(summary_module.Styles, "fix", fixed)
    monkeypatch.setattr(summary_module.xlsxwriter.Workbook, "close", closed)
    summary_module.write_summary(summary, tmp_path / "s.xlsx")
    assert counts["fixed"] > 20 and counts["closed"] == counts["fixed"]


def test_a_sheet_of_one_row_written_apart_has_it_once(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet that ends at its first row (指标明细 of a spec without a table): the child writes that row, and the
    parent's own last-row write, when the workbook is closed, finds none to write again (a repeated <row> is a
    file Excel 'repairs')."""
    summary = aggregate([inbox], spec="yibao_dept", year=2023, jobs=1)

    def one_row(self: Any, ws: Any) -> None:
        ws.write_string(0, 0, "甲", self.style.note)
        ws.set_row(0, 30)

    monkeypatch.setattr(summary_module._Writer, "indicator_sheet", one_row)
    children = _write(summary, tmp_path / "apart.xlsx", monkeypatch, apart=True)
    assert len(children) == 1 and children[0].fallback == "" and children[0].ws.name == "指标明细"
    _write(summary, tmp_path / "here.xlsx", monkeypatch, apart=False)
    a, b = _parts(tmp_path / "apart.xlsx"), _parts(tmp_path / "here.xlsx")
    assert a["xl/worksheets/sheet4.xml"].count(b'<row r="1"') == 1
    assert a == b


def test_the_sheet_with_the_most_rows_is_written_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """报送情况 lists every region and then every file not counted: with many of those it is the largest sheet."""
    d = tmp_path / "in"
    d.mkdir()
    for i in range(30):  # files that are no return: listed after the regions in 报送情况, nowhere else
        (d / f"junk{i}.xlsx").write_bytes(b"not a workbook")
    summary = aggregate([d], spec="yibao_dept", year=2023, jobs=1)
    children = _write(summary, tmp_path / "s.xlsx", monkeypatch, apart=True)
    assert [c.ws.name for c in children] == ["报送情况"] and children[0].fallback == ""


def test_no_child_for_a_run_too_large_to_copy(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child copies the pages of the run it touches: past APART_OBJECTS returns and regions the sheet is written
    here, so that memory stays flat in the run's size."""
    summary = aggregate([inbox], spec="yibao_dept", year=2023, jobs=1)
    objects = len(summary.submissions) + len(summary.spec.regions.regions)
    monkeypatch.setattr(summary_module, "APART_OBJECTS", objects - 1)
    assert _write(summary, tmp_path / "s.xlsx", monkeypatch, apart=True) == []
    monkeypatch.setattr(summary_module, "APART_OBJECTS", objects)
    assert len(_write(summary, tmp_path / "t.xlsx", monkeypatch, apart=True)) == 1
