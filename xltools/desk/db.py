"""The desk's database: SQLite in the data folder by default, PostgreSQL by URL; migrated by Alembic.

SQLite runs in WAL mode and every transaction begins IMMEDIATE — it takes the write lock up front, so
concurrent writers queue on ``busy_timeout`` instead of failing with "database is locked" (plain WAL fails
when a read transaction later tries to write).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_NAME = "desk.sqlite3"


def database_url(data: Path | None, db: str | None) -> str:
    """The URL of ``--db``, else the SQLite file in ``--data`` (default ./xltools-data)."""
    if db:
        return db
    folder = Path(data or "xltools-data").resolve()
    return f"sqlite:///{folder / SQLITE_NAME}"


def connect(url: str, immediate: bool = True) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout, foreign keys and — for writing — immediate
    transactions (``immediate=False``: a reader, which in WAL mode neither waits for nor blocks a writer)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin if immediate else _sqlite_begin_deferred)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi: Any, _record: Any) -> None:
    dbapi.isolation_level = None  # the driver's own deferred BEGIN off: ours below
    cur = dbapi.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (creating it when empty)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def sessions(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(engine, expire_on_commit=False)
