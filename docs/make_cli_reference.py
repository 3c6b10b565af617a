"""Write docs/cli.md from the commands' own --help: `python docs/make_cli_reference.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's xltools, not whichever one is installed
OUT = ROOT / "docs" / "cli.md"


def help_text(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "xltools", *args, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    return proc.stdout.rstrip()


def reference() -> str:
    from xltools.cli import app

    parts = [
        "# Command reference",
        "",
        "Generated from `--help` by `python docs/make_cli_reference.py`.",
        "",
        "```text",
        help_text(),
        "```",
    ]
    for command in app.registered_commands:
        parts += ["", f"## xltools {command.name}", "", "```text", help_text(str(command.name)), "```"]
    for path in (("desk", "open"), ("desk", "user", "add"), ("desk", "link"), ("desk", "backup")):
        parts += ["", f"## xltools {' '.join(path)}", "", "```text", help_text(*path), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    OUT.write_text(reference(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
