"""A tiny smoke run of benchmarks/run.py, so the script keeps working (its figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_smoke_run(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--sizes",
            "2,9",
            "--repeat",
            "1",
            "--base",
            "3",
            "--cache",
            str(tmp_path / "cache"),
            "--output",
            str(out),
            "--runs",
            "2",
            "--one-core",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = {f["figure"]: f for f in json.loads(out.read_text(encoding="utf-8"))["figures"]}
    assert "aggregate 9 returns, --jobs 2: wall" in figures
    assert figures["aggregate 9 returns, --jobs 2: wall"]["spread"].endswith("over 2 runs")
    (one_core,) = [f for name, f in figures.items() if name.startswith("aggregate 9 returns: --jobs 2 on ")]
    assert one_core["value"] > 0 and one_core["unit"] == "×"
    assert "| spread |" in out.with_suffix(".md").read_text(encoding="utf-8")
    assert figures["check one return, in-process"]["ratio"] > 0
    assert figures["aggregate 9 returns, first run (--jobs 1, not in the medians)"]["value"] > 0
    between = figures["read one return: python-calamine, between the aggregate runs (their baseline)"]
    assert between["value"] > 0 and between["spread"].endswith("over 4")  # before each of 2 runs × 2 sizes
    from xltools.check import check_file

    schemas = tmp_path / "cache" / "schemas_9"
    for code, name in (("800001", "测试地区0001"), ("800009", "测试地区0009")):  # made from a template; a copy
        report = check_file(tmp_path / "cache" / "returns_9" / f"{code}.xlsx", schemas)
        assert report.region_code == code and not report.errors, [f.code for f in report.findings]
        import openpyxl

        wb = openpyxl.load_workbook(tmp_path / "cache" / "returns_9" / f"{code}.xlsx")
        meta = {r[0].value: r[1].value for r in wb["_xltools"].iter_rows(min_row=2, max_col=2)}
        assert (meta["region_code"], meta["region_name"]) == (code, name)


def test_benchmark_pairs_each_aggregate_with_the_other_code(tmp_path: Path) -> None:
    """`--against DIR` runs DIR's code beside each aggregate run: that code, not this one (it marks that it ran)."""
    import shutil

    other = tmp_path / "other"
    shutil.copytree(ROOT / "xltools", other / "xltools", ignore=shutil.ignore_patterns("__pycache__"))
    marker = other / "ran"
    with (other / "xltools" / "__init__.py").open("a", encoding="utf-8") as fh:
        fh.write(f"\nimport pathlib as _p\n_p.Path({str(marker)!r}).touch()\n")
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            *("--sizes", "2,9", "--repeat", "1", "--base", "3", "--runs", "2", "--jobs", "2"),
            *("--cache", str(tmp_path / "cache"), "--output", str(out), "--against", str(other)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert marker.exists()
    figures = {f["figure"]: f for f in json.loads(out.read_text(encoding="utf-8"))["figures"]}
    paired = figures["aggregate 9 returns, --jobs 2: this code's wall over the other's, paired"]
    assert paired["value"] > 0 and paired["unit"] == "×" and "–" in paired["spread"]
    assert figures["aggregate 9 returns, --jobs 2: wall (against)"]["spread"].endswith("over 2 runs")
    assert figures["aggregate marginal cost per return, --jobs 2 (2→9) (against)"]["unit"] == "ms"
    assert "--against" in out.with_suffix(".md").read_text(encoding="utf-8")


def test_benchmark_against_a_folder_without_xltools_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "2", "--against", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 2 and "no xltools/ there" in proc.stderr and "Traceback" not in proc.stderr


def test_desk_load_smoke_run(tmp_path: Path) -> None:
    """benchmarks/desk_load.py on 2 regions × 3 uploads: it fails itself when the ledger is not exact or an
    acknowledged upload is lost across the kill -9."""
    out = tmp_path / "desk.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "desk_load.py"),
            "--regions",
            "2",
            "--uploads",
            "3",
            "--clients",
            "2",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["uploads"] == 6 and result["ledger_problems"] == [] and result["faults"]["problems"] == []
    assert result["faults"]["acknowledged_during_kill_run"] <= result["faults"]["stored_during_kill_run"]
    over = next(v for k, v in result["hostile"].items() if "cap" in k)
    assert over["status"] == 413


def test_sample_memory_sees_a_childs_pages() -> None:
    """benchmarks/sample_memory.py sums the tree: a child holding 60 MB makes the peak at least that."""
    hold = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; b = b\"x\" * 60_000_000; time.sleep(1.5)'])"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "sample_memory.py"), "--", sys.executable, "-c", hold],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("exit 0; peak ") and int(last.split("peak ")[1].split(" MB")[0]) >= 60, proc.stdout
    assert " + " in proc.stdout  # the parent and its child, each counted
