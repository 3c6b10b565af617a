"""A throwaway PostgreSQL server for the tests: Debian's binaries (`.ci/run` installs `postgresql`), a
cluster in a temporary folder, on a free port, run as the ``postgres`` user when the tests run as root."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from support.serving import free_port


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


@contextlib.contextmanager
def server() -> Iterator[str]:
    """A running cluster; yields the URL of its ``postgres`` database as user ``xltools`` (trust auth)."""
    bindir = binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed: run `bash .ci/run` (apt install postgresql)")
    top = Path(tempfile.mkdtemp(prefix="xltools-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(top, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = top / "data", free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "xltools", "-E", "UTF8", "--locale=C")
    opts = f"-k {top} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(top / "log"), "-w", "start")
    try:
        yield f"postgresql+psycopg://xltools@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(top, ignore_errors=True)


def new_database(server_url: str, name: str) -> str:
    """A fresh, empty database on the server; its URL."""
    import psycopg

    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name
