"""Benchmark xltools against baselines measured in the same run: `python benchmarks/run.py`.

Figures (each with its baseline and the ratio):
- reading one return: python-calamine (every cell of every sheet) and openpyxl;
- `check` of one return in-process, and `xltools check` as a process on one file;
- `xltools aggregate` of N returns (N = 10, 100, 1000) with --jobs 1 and --jobs 2: wall time, peak memory
  of the whole process tree, the marginal cost of one more return, and how time grows with N;
- start-up: `xltools --help` against `python -c pass`.

The processes run with xltools' modules compiled to bytecode, as an installed copy has them.

`--runs K` repeats each aggregate (and the single check), interleaved so that a noisy minute weighs on every
setting alike, and reports the median with the spread; `--one-core` adds `--jobs 1` with the whole process tree
pinned to one core (`taskset`), the baseline for how well `--jobs 2` uses two cores.
Each size's aggregates start with one run of its own, reported apart and kept out of the medians: the first
run after the returns were made or copied reads them from disk and fills the spec cache (on 2026-12-07,
without it, the two 1,000-return runs of each setting took 9.4–9.6 s and 6.1–6.2 s: the median was a coin toss).

`--against DIR` pairs every aggregate run with one of the code in DIR (a checkout of another commit, e.g. a git
worktree), the two in alternating order, and reports both and the paired ratio: run one after the other, two codes
meet different minutes of a machine whose speed swings by a third (on 2026-12-07 a before/after pair showed a 12 %
gain that the reverse order took back).

Returns are generated once (synthetic figures from seed 000, one region each from a 1,000-region list)
and cached in benchmarks/.cache/, a folder per region list (`returns_1000`: a return made for one list is
another template's to a check with another). Results go to benchmarks/results/latest.json for comparison between
commits. Machines here are shared and noisy: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the test helpers (support/): synthetic returns, filling templates
CACHE = ROOT / "benchmarks" / ".cache"  # --cache changes it
RESULTS = ROOT / "benchmarks" / "results"
YEAR = 2023
CODE0 = 800000  # region i (from 1) is code 800000 + i: six digits up to 199,999 regions


def bench_schemas(n_regions: int) -> Path:
    """A copy of schemas/ whose region list has ``n_regions`` regions (codes 800001…)."""
    import yaml

    d = CACHE / f"schemas_{n_regions}"
    if not (d / "regions" / "shaoguan.yaml").is_file():
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(ROOT / "schemas", d)
        regions = [{"code": f"{CODE0 + i}", "name": f"测试地区{i:04d}"} for i in range(1, n_regions + 1)]
        (d / "regions" / "shaoguan.yaml").write_text(
            yaml.safe_dump({"id": "shaoguan", "name": "基准测试市", "regions": regions}, allow_unicode=True),
            encoding="utf-8",
        )
    return d


def installed_bytecode() -> None:
    """Compile xltools' modules to bytecode, as `pip install` does for a wheel.

    An editable checkout under PYTHONDONTWRITEBYTECODE (set on some machines) compiles every module from source in
    every process: ~430 M instructions of a single check (13 %), which no installed copy pays.
    """
    import compileall

    import xltools

    compileall.compile_dir(Path(xltools.__file__).parent, quiet=1)


def _make_one(args: tuple[int, str, str, int]) -> str:
    i, schemas, returns, _ = args
    os.environ["XLTOOLS_SCHEMAS"] = schemas
    from support.fill import fill_return, load_return_data
    from support.synth import draw

    from xltools.spec import load_spec
    from xltools.template import build_template

    base = load_return_data(ROOT / "samples" / "data" / "440222_shixing_2023_yibao_dept.yaml")
    spec = load_spec("yibao_dept")
    region = spec.regions.regions[i]
    out = Path(returns) / f"{region.code}.xlsx"
    if not out.is_file():
        template = build_template(spec, Path(returns).parent / "tmp" / f"{region.code}.xlsx", YEAR, region)
        fill_return(template, draw(spec, base["values"], region, YEAR, random.Random(i)), out)
        template.unlink()
    return str(out)


BASE = 1000  # returns made from their templates; past these, copies of them made another region's (fast)


def _clone(args: tuple[int, str, str, int]) -> str:
    """Return ``i`` as a copy of base return ``i % BASE`` with the region's code and name replaced in every
    part: a region's template carries its own region only, so the copy is that region's return, with the
    base's figures (making 100,000 returns from templates would take hours)."""
    import re
    import zipfile

    i, _, returns, base = args
    code, name = f"{CODE0 + 1 + i}", f"测试地区{i + 1:04d}"
    out = Path(returns) / f"{code}.xlsx"
    if out.is_file():
        return str(out)
    j = i % base
    base_code, base_name = f"{CODE0 + 1 + j}", f"测试地区{j + 1:04d}"
    pattern = re.compile(rf"(?<![\d.]){base_code}(?![\d.])|{base_name}".encode())
    swap = {base_code.encode(): code.encode(), base_name.encode(): name.encode()}
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(Path(returns) / f"{base_code}.xlsx") as src, zipfile.ZipFile(tmp, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith((".xml", ".rels")):
                data = pattern.sub(lambda m: swap[m.group(0)], data)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    tmp.rename(out)
    return str(out)


def returns_dir(schemas: Path) -> Path:
    """Where the returns made from ``schemas``' templates are cached: one folder per region list, since a return
    made for one list is another template's to a check with another (its structure's fingerprint covers the list)."""
    return CACHE / schemas.name.replace("schemas_", "returns_", 1)


def generate(n: int, schemas: Path) -> list[Path]:
    """N filled returns, one per region, made once and cached: the first BASE from their templates, with
    figures drawn for each; the rest copies of those, each made another region's."""
    returns = returns_dir(schemas)
    returns.mkdir(parents=True, exist_ok=True)
    (CACHE / "tmp").mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor() as pool:
        args = [(i, str(schemas), str(returns), BASE) for i in range(n)]
        paths = list(pool.map(_make_one, args[:BASE], chunksize=8))
        paths += pool.map(_clone, args[BASE:], chunksize=64)
    return [Path(p) for p in paths]


def hostile_files(good: Path) -> dict[str, Path]:
    """Copies of a return an attacker made: one cell at XFD1048576; a styles part inflating to 256 MB
    while its header declares its real size."""
    import re
    import zipfile

    out: dict[str, Path] = {}
    far = CACHE / "hostile_far.xlsx"
    liar = CACHE / "hostile_lying_size.xlsx"
    with zipfile.ZipFile(good) as src:
        infos = src.infolist()
        parts = {i.filename: src.read(i.filename) for i in infos}
    sheets = sorted(n for n in parts if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
    with zipfile.ZipFile(far, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            data = parts[info.filename]
            if info.filename == sheets[1]:
                data = data.replace(
                    b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
                )
            dst.writestr(info, data)
    out["a cell at XFD1048576"] = far
    real = parts["xl/styles.xml"]
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            if info.filename != "xl/styles.xml":
                dst.writestr(info, parts[info.filename])
        with dst.open("xl/styles.xml", "w", force_zip64=True) as fh:
            fh.write(real)
            for _ in range(256):
                fh.write(b" " * 2**20)
    buf = bytearray(liar.read_bytes())
    for header, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        i = buf.find(header)
        while i != -1:
            n = int.from_bytes(buf[i + name_len_at : i + name_len_at + 2], "little")
            if buf[i + name_at : i + name_at + n] == b"xl/styles.xml":
                buf[i + size_at : i + size_at + 4] = len(real).to_bytes(4, "little")
            i = buf.find(header, i + 4)
    liar.write_bytes(bytes(buf))
    out["a zip part lying about its size"] = liar
    return out


def median_ms(fn: Any, items: list[Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        for item in items:
            t = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def _tree_rss(pid: int) -> int:
    """Memory (bytes) of a process and all its descendants: proportional set size from /proc, so pages
    that forked workers share with their parent are counted once, not once per process."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def run_process(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, int]:
    """Wall time (s) and peak memory (bytes) of the whole process tree of a command."""
    peak = 0
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.05)  # reading smaps is not free: sample sparingly

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-500:]}")
    return wall, peak


def main() -> None:
    global CACHE, BASE
    parser = argparse.ArgumentParser(description="xltools benchmarks (ratios against baselines of the same run)")
    parser.add_argument("--sizes", default="10,100,1000", help="return counts for aggregate (default 10,100,1000)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the per-file timings")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where generated returns are kept")
    parser.add_argument("--jobs", default="1,2", help="--jobs values of the aggregate runs (default 1,2)")
    parser.add_argument("--base", type=int, default=BASE, help="returns made from templates; the rest are copies")
    parser.add_argument(
        "--regions", type=int, default=0, help="regions in the list (default: the largest size; at least that)"
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="runs of each aggregate and of the single check (median, spread)"
    )
    parser.add_argument(
        "--one-core", action="store_true", help="also run --jobs 1 with the whole process tree on one core (taskset)"
    )
    parser.add_argument(
        "--against", type=Path, help="a checkout of other code: each aggregate run paired with one of it (alternating)"
    )
    args = parser.parse_args()
    if args.against is not None and not (args.against / "xltools" / "__init__.py").is_file():
        parser.error(f"--against {args.against.resolve()}: no xltools/ there")
    CACHE, BASE = args.cache.resolve(), args.base
    sizes = sorted(int(x) for x in args.sizes.split(","))
    schemas = bench_schemas(max(args.regions, max(sizes)))
    os.environ["XLTOOLS_SCHEMAS"] = str(schemas)
    env = {**os.environ, "XLTOOLS_SCHEMAS": str(schemas)}
    print(f"generating {max(sizes)} returns (cached in {CACHE}) …", file=sys.stderr)
    paths = generate(max(sizes), schemas)

    import openpyxl
    from python_calamine import CalamineWorkbook

    from xltools.check import check_file

    def calamine_read(p: Path) -> None:
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()

    sample = paths[: min(50, len(paths))]
    check_file(sample[0])  # imports and caches warm
    Row = tuple[str, float, str, str, float | None, str]  # figure, value, unit, baseline, ratio, spread
    rows: list[Row] = []
    calamine = median_ms(calamine_read, sample, args.repeat)
    rows.append(("read one return: python-calamine (baseline)", calamine, "ms", "", None, ""))
    openpyxl_ms = median_ms(lambda p: openpyxl.load_workbook(p), sample[:10], 1)
    rows.append(("read one return: openpyxl", openpyxl_ms, "ms", "calamine", openpyxl_ms / calamine, ""))
    check_ms = median_ms(check_file, sample, args.repeat)
    rows.append(("check one return, in-process", check_ms, "ms", "calamine", check_ms / calamine, ""))
    for name, hostile in hostile_files(sample[0]).items():  # what one hostile file costs (issue #8)
        ms = median_ms(check_file, [hostile], args.repeat)
        rows.append((f"check one hostile file ({name}), in-process", ms, "ms", "calamine", ms / calamine, ""))
    python = [sys.executable, "-m", "xltools.cli"]
    installed_bytecode()
    # (the label its figures carry, its environment, the folder it runs in: `-m` imports from there first)
    codes: list[tuple[str, dict[str, str], Path]] = [("", env, ROOT)]
    if args.against is not None:
        other = args.against.resolve()
        import compileall

        compileall.compile_dir(other / "xltools", quiet=1)  # as `installed_bytecode`, for a fair pair
        path = os.pathsep.join(p for p in [str(other), env.get("PYTHONPATH", "")] if p)  # no empty entry: the cwd
        codes.append((" (against)", {**env, "PYTHONPATH": path}, other))
    checks, bares, helps = [], [], []
    for _ in range(max(5, args.runs)):  # interleaved: each against the start-up of the same minute
        bares.append(run_process([sys.executable, "-c", "pass"])[0])
        checks.append(run_process([*python, "check", str(sample[0])], env, ROOT)[0])
        helps.append(run_process([*python, "--help"], None, ROOT)[0])
    bare, cli_check, help_ = (statistics.median(x) for x in (bares, checks, helps))
    over = [(c - b) * 1000 for c, b in zip(checks, bares, strict=True)]
    rows.append(
        ("start-up: python -c pass", bare * 1000, "ms", "", None, f"{min(bares) * 1000:.0f}–{max(bares) * 1000:.0f} ms")
    )
    rows.append(
        (
            "xltools check, one file, as a process",
            cli_check * 1000,
            "ms",
            "python -c pass",
            cli_check / bare,
            f"{min(checks) * 1000:.0f}–{max(checks) * 1000:.0f} ms",
        )
    )
    rows.append(
        (
            "xltools check, one file, minus python -c pass",
            statistics.median(over),
            "ms",
            "target ≤ 800",
            None,
            f"{min(over):.0f}–{max(over):.0f} ms",
        )
    )
    rows.append(("start-up: xltools --help", help_ * 1000, "ms", "python -c pass", help_ / bare, ""))
    rows.append(
        ("start-up: xltools --help minus python -c pass", (help_ - bare) * 1000, "ms", "target ≤ 300", None, "")
    )

    agg: dict[tuple[int, int], tuple[float, int]] = {}  # (N, jobs) -> median wall, peak memory
    out = CACHE / "summary.xlsx"
    job_values = [int(j) for j in args.jobs.split(",")]
    walls: dict[tuple[int, int], list[float]] = {}
    peaks: dict[tuple[int, int], list[int]] = {}
    others: dict[tuple[int, int], list[float]] = {}  # with --against: the other code's run beside each of these
    one_core: dict[int, list[float]] = {}
    calamines: list[float] = []  # calamine's read again before each round of aggregate runs
    first: dict[int, float] = {}  # each size's first run (--jobs 1): the disk and the spec cache still cold
    for n in sizes:
        folder = returns_dir(schemas).with_name(f"in_{n}_{returns_dir(schemas).name}")
        if not folder.is_dir():
            folder.mkdir()
            for p in paths[:n]:
                os.link(p, folder / p.name)
        command = [*python, "aggregate", str(folder), "-o", str(out)]
        first[n] = run_process([*command, "--jobs", "1"], env, ROOT)[0]  # not in the medians: it pays the cold caches
        for _, code_env, cwd in codes[1:]:
            run_process([*command, "--jobs", "1"], code_env, cwd)  # the other code's first run: its caches too
        for k in range(args.runs):  # interleaved, so that a noisy minute weighs on every setting alike
            calamines.append(median_ms(calamine_read, sample, 1))  # and on their baseline
            for jobs in job_values:
                for label, code_env, cwd in codes if k % 2 == 0 else codes[::-1]:  # the pair's order alternates
                    wall, peak = run_process([*command, "--jobs", str(jobs)], code_env, cwd)
                    if label:
                        others.setdefault((n, jobs), []).append(wall)
                    else:
                        walls.setdefault((n, jobs), []).append(wall)
                        peaks.setdefault((n, jobs), []).append(peak)
            if args.one_core and shutil.which("taskset"):  # the whole process tree on one core
                pinned = ["taskset", "-c", "0", *command, "--jobs", "1"]
                one_core.setdefault(n, []).append(run_process(pinned, env, ROOT)[0])
    if calamines:  # the aggregates' ratios are to these, measured among them
        calamine = statistics.median(calamines)
        rows.append(
            (
                "read one return: python-calamine, between the aggregate runs (their baseline)",
                calamine,
                "ms",
                "",
                None,
                f"{min(calamines):.2f}–{max(calamines):.2f} ms over {len(calamines)}",
            )
        )
    for n in sizes:
        rows.append((f"aggregate {n} returns, first run (--jobs 1, not in the medians)", first[n], "s", "", None, ""))
        for jobs in job_values:
            ws, ps = walls[n, jobs], peaks[n, jobs]
            agg[n, jobs] = statistics.median(ws), max(ps)
            spread = f"{min(ws):.2f}–{max(ws):.2f} s over {len(ws)} runs" if len(ws) > 1 else ""
            rows.append(
                (
                    f"aggregate {n} returns, --jobs {jobs}: wall",
                    agg[n, jobs][0],
                    "s",
                    "calamine × N",
                    agg[n, jobs][0] / n * 1000 / calamine,
                    spread,
                )
            )
            shown = f"{min(ps) / 2**20:.0f}–{max(ps) / 2**20:.0f} MB over {len(ps)} runs" if len(ps) > 1 else ""
            rows.append((f"aggregate {n} returns, --jobs {jobs}: peak memory", max(ps) / 2**20, "MB", "", None, shown))
            if (n, jobs) in others:
                theirs_ = others[n, jobs]
                spread = f"{min(theirs_):.2f}–{max(theirs_):.2f} s over {len(theirs_)} runs" if len(theirs_) > 1 else ""
                rows.append(
                    (
                        f"aggregate {n} returns, --jobs {jobs}: wall (against)",
                        statistics.median(theirs_),
                        "s",
                        "",
                        None,
                        spread,
                    )
                )
                paired = [a / b for a, b in zip(ws, theirs_, strict=True)]  # each run over the other code's beside it
                spread = f"{min(paired):.3f}–{max(paired):.3f}" if len(paired) > 1 else ""
                rows.append(
                    (
                        f"aggregate {n} returns, --jobs {jobs}: this code's wall over the other's, paired",
                        statistics.median(paired),
                        "×",
                        "",
                        None,
                        spread,
                    )
                )
        if n in one_core:
            ones = one_core[n]
            rows.append(
                (
                    f"aggregate {n} returns, one core (taskset), --jobs 1: wall",
                    statistics.median(ones),
                    "s",
                    "",
                    None,
                    f"{min(ones):.2f}–{max(ones):.2f} s",
                )
            )
            for jobs in job_values:
                if jobs > 1:
                    rows.append(
                        (
                            f"aggregate {n} returns: --jobs {jobs} on {os.cpu_count()} cores over one core",
                            statistics.median(ones) / agg[n, jobs][0],
                            "×",
                            "",
                            None,
                            "",
                        )
                    )
        if 1 in job_values:
            for jobs in job_values:
                if jobs > 1:
                    rows.append(
                        (
                            f"aggregate {n} returns: --jobs {jobs} over --jobs 1",
                            agg[n, 1][0] / agg[n, jobs][0],
                            "×",
                            "",
                            None,
                            "",
                        )
                    )
    if len(sizes) >= 2:
        small, big = sizes[-2], sizes[-1]
        for jobs in job_values:
            marginal = (agg[big, jobs][0] - agg[small, jobs][0]) / (big - small) * 1000
            ends = [(b - a) / (big - small) * 1000 for a in walls[small, jobs] for b in walls[big, jobs]]
            spread = f"{min(ends):.2f}–{max(ends):.2f} ms" if len(ends) > 1 else ""
            rows.append(
                (
                    f"aggregate marginal cost per return, --jobs {jobs} ({small}→{big})",
                    marginal,
                    "ms",
                    "calamine",
                    marginal / calamine,
                    spread,
                )
            )
            if (big, jobs) in others and (small, jobs) in others:
                theirs = statistics.median(others[big, jobs]) - statistics.median(others[small, jobs])
                rows.append(
                    (
                        f"aggregate marginal cost per return, --jobs {jobs} ({small}→{big}) (against)",
                        theirs / (big - small) * 1000,
                        "ms",
                        "calamine",
                        theirs / (big - small) * 1000 / calamine,
                        "",
                    )
                )
            if len(sizes) >= 3:  # a straight line t = a + b·N through every size: is the growth linear?
                xs, ys = sizes, [agg[n, jobs][0] for n in sizes]
                mx, my = statistics.fmean(xs), statistics.fmean(ys)
                b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
                a = my - b * mx
                worst = max(abs(y - (a + b * x)) / y for x, y in zip(xs, ys, strict=True))
                rows.append((f"aggregate fit t = a + b·N, --jobs {jobs}: a (start-up)", a, "s", "", None, ""))
                rows.append(
                    (
                        f"aggregate fit t = a + b·N, --jobs {jobs}: b (per return)",
                        b * 1000,
                        "ms",
                        "calamine",
                        b * 1000 / calamine,
                        "",
                    )
                )
                rows.append(
                    (f"aggregate fit, --jobs {jobs}: worst deviation from the line", worst * 100, "%", "", None, "")
                )

    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>10}  unit  {'ratio':>8}  baseline  spread")
    for name, value, unit, base, ratio, spread in rows:
        shown = f"{ratio:8.2f}" if ratio is not None else " " * 8
        print(f"{name:<{width}}  {value:10.2f}  {unit:<4}  {shown}  {base}  {spread}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                },
                "figures": [
                    {"figure": n, "value": v, "unit": u, "baseline": b, "ratio": r, "spread": sp}
                    for n, v, u, b, r, sp in rows
                ],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    table = [
        f"`benchmarks/run.py --sizes {args.sizes} --jobs {args.jobs} --regions {max(args.regions, max(sizes))}"
        f" --runs {args.runs}{' --one-core' if args.one_core else ''}"
        f"{f' --against {args.against}' if args.against else ''}`, "
        f"{platform.node() or 'this machine'}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}",
        "",
        "| figure | value | unit | ratio | baseline | spread |",
        "|---|---:|---|---:|---|---|",
        *(
            f"| {name} | {value:,.2f} | {unit} | {'' if ratio is None else f'{ratio:.2f}'} | {base} | {spread} |"
            for name, value, unit, base, ratio, spread in rows
        ),
    ]
    args.output.with_suffix(".md").write_text("\n".join(table) + "\n", encoding="utf-8")
    print(f"\nwritten {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output} (and .md)")


if __name__ == "__main__":
    main()
