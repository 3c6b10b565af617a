"""Load and faults of the collection desk against a running ``xltools serve`` (issue #13).

    python benchmarks/desk_load.py                      # 10 regions × 20 uploads from 8 clients
    python benchmarks/desk_load.py --regions 2 --uploads 3 --clients 2   # a smoke run

1. Load: every client uploads returns (each region its own sample return, JSON API) until each region has
   ``--uploads`` versions; reports p50/p95 latency and throughput, and as ratios to the baseline of the same
   run — checking the same return in-process, one at a time (what a single upload costs at least). Then
   checks the ledger is exact: every acknowledged upload stored as a version, numbers 1..N per region, the
   API's ``versions`` equal to them, every stored file's bytes those sent.
2. Faults: while clients upload, the server is killed (SIGKILL) and restarted; every acknowledged upload
   must be there, no row without its file and no file without its row.
3. A hostile upload: what a zip bomb, a cell at XFD1048576, and an over-cap body cost the server (its
   latency, and the server's memory before and after).

Writes ``benchmarks/results/desk_load.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "returns" / "yibao_dept_2023"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "tests"))  # the test helpers (support/): the server, multipart bodies
from support.serving import Server, multipart  # noqa: E402


def rss_tree(pid: int) -> int:
    """Resident memory of a process and its children (bytes)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(x) for x in fh.read().split()]
        except (OSError, StopIteration):
            pass
    return total


def upload(base: str, token: str, name: str, data: bytes, timeout: float = 120) -> tuple[int, Any]:
    body, ctype = multipart(name, data)
    req = urllib.request.Request(
        f"{base}/r/{token}/returns", data=body, headers={"Content-Type": ctype, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def api_ledger(base: str, cid: str, admin: str) -> list[dict[str, Any]]:
    req = urllib.request.Request(f"{base}/api/collections/{cid}/ledger", headers={"Authorization": f"Bearer {admin}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return list(json.loads(r.read()))


def open_desk(data: Path, regions: int) -> tuple[str, str, dict[str, str], dict[str, bytes]]:
    from xltools.desk import Desk

    o = Desk.at(data).open_collection("yibao_dept", 2023, dt.date(2024, 3, 31))
    files = {p.name[:6]: p.read_bytes() for p in sorted(SAMPLES.glob("44*.xlsx"))}
    chosen = {x.region_code: x.token for x in o.links[:regions]}
    # 新丰县 has no sample (it is the region that sends nothing): it uploads another region's return, which is
    # checked and stored all the same (as rejected)
    first = next(iter(files.values()))
    return o.collection, o.admin_token, chosen, {c: files.get(c, first) for c in chosen}


def baseline_ms(files: dict[str, bytes], repeat: int = 5) -> float:
    """Checking one return in-process (the floor of one upload), median over the files."""
    from xltools.check import check_file

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for code, data in files.items():
            p = Path(tmp) / f"{code}.xlsx"
            p.write_bytes(data)
            paths.append(p)
        check_file(paths[0])  # imports and the first pandera run are not part of the floor
        times = []
        for _ in range(repeat):
            for p in paths:
                t = time.perf_counter()
                check_file(p)
                times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def load(server: Server, links: dict[str, str], files: dict[str, bytes], uploads: int, clients: int) -> dict[str, Any]:
    work = [code for _ in range(uploads) for code in links]
    lock = threading.Lock()
    latencies: list[float] = []
    acked: dict[str, list[int]] = {c: [] for c in links}
    errors: list[str] = []

    def client() -> None:
        while True:
            with lock:
                if not work:
                    return
                code = work.pop()
            t = time.perf_counter()
            status, body = upload(server.base, links[code], f"{code}.xlsx", files[code])
            ms = (time.perf_counter() - t) * 1000
            with lock:
                if status == 201:
                    latencies.append(ms)
                    acked[code].append(int(body["version"]))
                else:
                    errors.append(f"{code}: HTTP {status} {body}")

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else [latencies[0]] * 19
    return {
        "uploads": len(latencies),
        "errors": errors,
        "wall_s": wall,
        "throughput_per_s": len(latencies) / wall,
        "p50_ms": statistics.median(latencies),
        "p95_ms": q[18],
        "acked": acked,
    }


def exact(data: Path, cid: str, acked: dict[str, list[int]], files: dict[str, bytes]) -> list[str]:
    """What is wrong with the stored ledger (nothing, when the list is empty)."""
    from xltools.desk import Desk
    from xltools.desk.blobs import FileBlobs

    desk = Desk.at(data)
    desk.recover()
    problems = []
    known: set[str] = set()
    for code, numbers in acked.items():
        versions = desk.versions(cid, code)
        stored = [v.number for v in versions]
        known |= {v.sha256 for v in versions}
        if stored != list(range(1, len(stored) + 1)):
            problems.append(f"{code}: numbers {stored}")
        if not set(numbers) <= set(stored):
            problems.append(f"{code}: acknowledged {sorted(set(numbers) - set(stored))} not stored")
        for v in versions:
            if desk.content(v) != files[code]:
                problems.append(f"{code} v{v.number}: bytes differ")
    blobs = desk.blobs
    if isinstance(blobs, FileBlobs) and blobs.root.exists():
        files_on_disk = {p.name for p in blobs.root.rglob("*") if p.is_file()}
        if files_on_disk != known:
            problems.append(f"files without rows: {sorted(files_on_disk - known)}")
    return problems


def faults(server: Server, cid: str, links: dict[str, str], files: dict[str, bytes], clients: int) -> dict[str, Any]:
    """Kill the server under load, restart it, check nothing acknowledged was lost or half-recorded."""
    from xltools.desk import Desk

    before = {c: len(Desk.at(server.data).versions(cid, c)) for c in links}
    acked: dict[str, list[int]] = {c: [] for c in links}
    stop = threading.Event()

    def client(i: int) -> None:
        codes = list(links)
        k = i
        while not stop.is_set():
            code = codes[k % len(codes)]
            k += 1
            try:
                status, body = upload(server.base, links[code], f"{code}.xlsx", files[code], timeout=30)
            except OSError:
                return
            if status == 201:
                acked[code].append(int(body["version"]))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    end = time.monotonic() + 120
    while sum(len(v) for v in acked.values()) < 2 * clients and time.monotonic() < end:  # under load: then kill
        time.sleep(0.05)
    server.kill()
    stop.set()
    for t in threads:
        t.join()
    problems = exact(server.data, cid, acked, files)
    server.start()
    after = {c: len(Desk.at(server.data).versions(cid, c)) for c in links}
    sent_ok = sum(len(v) for v in acked.values())
    return {
        "acknowledged_during_kill_run": sent_ok,
        "stored_during_kill_run": sum(after[c] - before[c] for c in links),
        "problems": problems,
    }


def hostile(server: Server, token: str) -> dict[str, Any]:
    """What a hostile upload costs: its latency and the server's memory before and after."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.xlsx"
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (1 << 30) + b"/>")  # 1 GB of XML in ~1 MB
        xfd = Path(tmp) / "xfd.xlsx"
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active["XFD1048576"] = 1  # type: ignore[index]
        wb.save(xfd)
        cases = {"zip bomb (1 GB inflated)": bomb.read_bytes(), "cell at XFD1048576": xfd.read_bytes()}
        assert server.proc is not None
        for name, data in cases.items():
            rss0 = rss_tree(server.proc.pid)
            t = time.perf_counter()
            status, body = upload(server.base, token, "hostile.xlsx", data)
            out[name] = {
                "status": status,
                "report_status": (body or {}).get("report", {}).get("status"),
                "ms": (time.perf_counter() - t) * 1000,
                "server_rss_mb_before": rss0 / 1e6,
                "server_rss_mb_after": rss_tree(server.proc.pid) / 1e6,
            }
        over = b"\0" * ((server.max_upload + 5) * 1024 * 1024)
        rss0 = rss_tree(server.proc.pid)
        t = time.perf_counter()
        status, _ = upload(server.base, token, "big.xlsx", over)
        out[f"{server.max_upload + 5} MB body over the {server.max_upload} MB cap"] = {
            "status": status,
            "ms": (time.perf_counter() - t) * 1000,
            "server_rss_mb_before": rss0 / 1e6,
            "server_rss_mb_after": rss_tree(server.proc.pid) / 1e6,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="load and faults of xltools serve")
    parser.add_argument("--regions", type=int, default=10)
    parser.add_argument("--uploads", type=int, default=20, help="uploads per region")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--output", type=Path, default=RESULTS / "desk_load.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xltools-desk-load-") as tmp:
        data = Path(tmp) / "data"
        cid, admin, links, files = open_desk(data, args.regions)
        floor = baseline_ms(files)
        server = Server(data, checkers=2)  # as `xltools serve` runs by default
        server.start()
        try:
            result = load(server, links, files, args.uploads, args.clients)
            ledger = {r["region_code"]: r["versions"] for r in api_ledger(server.base, cid, admin)}
            problems = [f"{c}: API says {ledger.get(c)} versions" for c in links if ledger.get(c) != args.uploads]
            server.stop()
            problems += exact(data, cid, result["acked"], files)
            server.start()
            fault = faults(server, cid, links, files, args.clients)
            cost = hostile(server, next(iter(links.values())))
        finally:
            server.stop()
    report = {
        "date": dt.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "regions": len(links),
        "uploads_per_region": args.uploads,
        "clients": args.clients,
        "baseline_check_in_process_ms": floor,
        "uploads": result["uploads"],
        "upload_errors": result["errors"],
        "wall_s": result["wall_s"],
        "throughput_per_s": result["throughput_per_s"],
        "p50_ms": result["p50_ms"],
        "p95_ms": result["p95_ms"],
        "p50_ratio": result["p50_ms"] / floor,
        "p95_ratio": result["p95_ms"] / floor,
        "service_ratio": (1000 / result["throughput_per_s"]) / floor,
        "ledger_problems": problems,
        "faults": fault,
        "hostile": cost,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"uploads {report['uploads']} ({len(links)} regions × {args.uploads}, {args.clients} clients), errors {len(result['errors'])}"
    )
    print(f"baseline: one in-process check {floor:.1f} ms")
    print(
        f"p50 {report['p50_ms']:.0f} ms = {report['p50_ratio']:.1f}× baseline; p95 {report['p95_ms']:.0f} ms = {report['p95_ratio']:.1f}×"
    )
    print(f"throughput {report['throughput_per_s']:.1f}/s = one upload per {report['service_ratio']:.2f}× baseline")
    print(f"ledger exact: {not problems} {problems[:3]}")
    print(
        f"kill -9 under load: acknowledged {fault['acknowledged_during_kill_run']}, stored {fault['stored_during_kill_run']}, problems {fault['problems'][:3]}"
    )
    for name, c in cost.items():
        print(
            f"hostile {name}: HTTP {c['status']} {c.get('report_status') or ''} in {c['ms']:.0f} ms; server RSS {c['server_rss_mb_before']:.0f} → {c['server_rss_mb_after']:.0f} MB"
        )
    if problems or fault["problems"] or result["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
