"""The desk killed and restored: ``kill -9`` mid-upload and mid-batch, then restarted — nothing lost that
was acknowledged, nothing half-recorded; a backup taken while it runs restores to the same ledger (SQLite
through ``xltools desk backup``, PostgreSQL through ``pg_dump``)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import postgres
from support.serving import Server, multipart

from xltools.desk import Desk
from xltools.desk.blobs import FileBlobs
from xltools.desk.checking import Checker


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    data = tmp_path / "data"
    o = Desk.at(data).open_collection("yibao_dept", 2023, dt.date(2024, 3, 31))
    server = Server(data)
    server.start()
    yield server, {x.region_code: x.token for x in o.links}
    server.stop()


def post(base: str, token: str, path: Path) -> int:
    body, ctype = multipart(path.name, path.read_bytes())
    req = urllib.request.Request(
        f"{base}/r/{token}/returns", data=body, headers={"Content-Type": ctype, "Accept": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return int(json.loads(r.read())["version"])


def consistent(data: Path) -> list[int]:
    """Version numbers of 始兴县 after a restart; every row has its file and every file its row."""
    desk = Desk.at(data)
    desk.recover()
    versions = desk.versions("yibao_dept-2023", "440222")
    blobs = desk.blobs
    assert isinstance(blobs, FileBlobs)
    files = {p.name for p in blobs.root.rglob("*") if p.is_file()} if blobs.root.exists() else set()
    assert files == {v.sha256 for v in versions}
    for v in versions:
        assert len(desk.content(v)) == v.size
    return [v.number for v in versions]


def test_killed_mid_upload_records_nothing_and_restarts_clean(opened, returns) -> None:  # type: ignore[no-untyped-def]
    server, tokens = opened
    body, ctype = multipart(returns["clean"].name, returns["clean"].read_bytes())
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(
            f"POST /r/{tokens['440222']}/returns HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[: len(body) // 2]
        )
        time.sleep(0.5)
        server.kill()
    assert list((server.data / "incoming").rglob("upload.xlsx"))  # the half-received body was on disk
    server.start()
    assert not list((server.data / "incoming").rglob("upload.xlsx"))  # swept at start
    assert consistent(server.data) == []
    assert post(server.base, tokens["440222"], returns["clean"]) == 1


def test_killed_in_a_batch_keeps_every_acknowledged_upload(opened, returns) -> None:  # type: ignore[no-untyped-def]
    server, tokens = opened
    acknowledged: list[int] = []
    sources = [returns["clean"], returns["mistakes"], returns["fixed_new_mistake"]]

    def client(i: int) -> None:
        for k in range(6):
            try:
                acknowledged.append(post(server.base, tokens["440222"], sources[(i + k) % 3]))
            except OSError:
                return

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    while len(acknowledged) < 3:
        time.sleep(0.05)
    server.kill()
    for t in threads:
        t.join()
    numbers = consistent(server.data)
    assert set(acknowledged) <= set(numbers)
    assert numbers == list(range(1, len(numbers) + 1))
    server.start()
    assert post(server.base, tokens["440222"], returns["clean"]) == len(numbers) + 1


def test_a_backup_taken_while_serving_restores_the_same_ledger(opened, returns, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server, tokens = opened
    post(server.base, tokens["440222"], returns["mistakes"])
    post(server.base, tokens["440222"], returns["clean"])
    backup = tmp_path / "backup"
    done = subprocess.run(
        [sys.executable, "-m", "xltools", "desk", "backup", str(backup), "--data", str(server.data)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    post(server.base, tokens["440222"], returns["fixed_new_mistake"])  # after the backup: not in it
    server.kill()
    restored = Server(backup)
    restored.start()
    try:
        desk = Desk.at(backup)
        versions = desk.versions("yibao_dept-2023", "440222")
        assert [v.number for v in versions] == [1, 2]
        assert desk.content(versions[0]) == returns["mistakes"].read_bytes()
        assert desk.content(versions[1]) == returns["clean"].read_bytes()
        assert post(restored.base, tokens["440222"], returns["clean"]) == 3  # the county's link still works
    finally:
        restored.kill()
    again = subprocess.run(
        [sys.executable, "-m", "xltools", "desk", "backup", str(backup), "--data", str(server.data)],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2 and "已存在" in again.stderr and "Traceback" not in again.stderr


@pytest.mark.postgres
def test_a_pg_dump_restores_the_same_ledger_and_files(pg_server, checker: Checker, returns) -> None:  # type: ignore[no-untyped-def]
    url = postgres.new_database(pg_server, "dumped")
    desk = Desk.at(db=url)
    o = desk.open_collection("yibao_dept", 2023, dt.date(2024, 3, 31))
    a = desk.link(next(x.token for x in o.links if x.region_code == "440222"))
    assert a is not None
    desk.submit(a, returns["mistakes"], "a.xlsx", checker.check)
    desk.review(o.collection, "440222", 1, "returned", "请改", "li")
    desk.submit(a, returns["clean"], "b.xlsx", checker.check)
    bindir = postgres.binaries()
    assert bindir is not None
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run([str(bindir / "pg_dump"), "--no-owner", plain], capture_output=True, check=True).stdout
    target = postgres.new_database(pg_server, "restored")
    subprocess.run(
        [str(bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", target.replace("postgresql+psycopg://", "postgresql://")],
        input=dump,
        capture_output=True,
        check=True,
    )
    back = Desk.at(db=target)
    assert [r.to_dict() for r in back.ledger(o.collection)] == [r.to_dict() for r in desk.ledger(o.collection)]
    versions = back.versions(o.collection, "440222")
    assert back.content(versions[0]) == returns["mistakes"].read_bytes()
    assert back.content(versions[1]) == returns["clean"].read_bytes()
    assert back.link(next(x.token for x in o.links if x.region_code == "440222")) is not None
