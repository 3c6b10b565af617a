"""Sample the memory of a command's whole process tree: `python benchmarks/sample_memory.py -- CMD ARGS…`.

Every 0.2 s, the PSS (proportional set size: a page shared by k processes counts 1/k in each) of the command
and of each of its descendants, from /proc (Linux). Prints each new peak with the processes it is made of,
then the peak and the wall time. docs/scale.md's per-process memory figures come from it.
"""

from __future__ import annotations

import subprocess
import sys
import time


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    out = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = fh.read().split()
    except OSError:
        return out
    for child in children:
        out += tree(int(child))
    return out


def pss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) // 1024
    except OSError:  # it ended between the listing and the reading
        return 0
    return 0


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        each = {pid: pss_mb(pid) for pid in tree(proc.pid)}
        total = sum(each.values())
        if total > peak:
            peak = total
            shown = " + ".join(f"{mb}" for mb in each.values())
            print(f"{time.monotonic() - start:8.1f} s  {total} MB  ({shown})", flush=True)
        time.sleep(0.2)
    print(f"exit {proc.returncode}; peak {peak} MB; wall {time.monotonic() - start:.1f} s")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
