"""The summary workbook and long export of a collection, built on request from each region's counted
version by the same `aggregate` as the command line, over the stored files.

It runs as its own ``xltools aggregate`` process: the server's threads are never forked, a summary's memory
is returned when it ends, and a summary that takes too long is stopped (`SummaryError`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from xltools.desk.service import Desk, DeskError

TIMEOUT = 1800.0


def build_summary(desk: Desk, cid: str, workbook: Path, export: Path | None = None, jobs: int = 1) -> list[Path]:
    """Write the summary (and the export) of collection ``cid``: all of them, or none."""
    c = desk.collection(cid)
    rows = desk.ledger(cid)
    with tempfile.TemporaryDirectory(prefix="xltools-summary-") as tmp:
        folder = Path(tmp) / "returns"
        folder.mkdir()
        for r in rows:
            if r.counted is not None:
                (folder / f"{r.region_code}_v{r.counted.number}.xlsx").write_bytes(desk.content(r.counted))
        cmd = [sys.executable, "-m", "xltools", "aggregate", str(folder), "--spec", c.spec, "--year", str(c.year)]
        cmd += ["-o", str(workbook), "--jobs", str(jobs), "--lang", "en"]
        if export is not None:
            cmd += ["--export", str(export)]
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise DeskError("summary_failed", reason=f"timeout {TIMEOUT:g} s") from None
        if done.returncode not in (0, 1):  # 1: some return has errors — the summary is written and says so
            raise DeskError("summary_failed", reason=(done.stderr.strip().splitlines() or ["?"])[-1][:300])
    return [workbook] + ([export] if export is not None else [])
