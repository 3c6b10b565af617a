"""The desk's tables (SQLAlchemy 2.0). Alembic migrations in ``migrations/`` create and change them;
`tests/test_desk_store.py` checks the migrations give exactly these tables.

Secrets are stored as SHA-256 digests (links, admin tokens, sessions) or argon2 hashes (passwords): a
copy of the database does not hand out working links. Times are UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Collection(Base):
    """One collection: a spec and year, a deadline, open until the bureau closes it."""

    __tablename__ = "collections"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    spec: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[dt.date] = mapped_column(Date)
    admin_token: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    targets: Mapped[str | None] = mapped_column(Text, nullable=True)  # the approved rows as JSON
    base_url: Mapped[str] = mapped_column(String(400), default="")
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Link(Base):
    """A county's secret link to its region of one collection; a reissued link is revoked, never deleted."""

    __tablename__ = "links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    region_name: Mapped[str] = mapped_column(String(200))
    token: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Blob(Base):
    """Uploaded bytes by their SHA-256 (PostgreSQL keeps them here; SQLite in the data folder's files)."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Version(Base):
    """One upload of one region: numbered 1, 2, … per region, never changed after it is written."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("collection_id", "region_code", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))  # as the county named it: shown, never a path
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))  # ok, warnings, errors, rejected (DESIGN §6)
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)
    report: Mapped[str] = mapped_column(Text)  # the check JSON object of DESIGN §5 (Chinese)
    report_en: Mapped[str] = mapped_column(Text)  # the same in English
    diff: Mapped[str | None] = mapped_column(Text, nullable=True)  # DESIGN §13 against the previous version
    contact: Mapped[str] = mapped_column(
        Text, default="{}"
    )  # the sign-off contacts (填报人, 联系电话) the return gives, by field id


class Review(Base):
    """The bureau's 审核 of one version: approved or returned, with a comment the county reads."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # approved | returned
    comment: Mapped[str] = mapped_column(Text, default="")
    user_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class User(Base):
    """A bureau staff member's login."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password: Mapped[str] = mapped_column(String(200))  # argon2id hash
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Session(Base):
    """A signed-in browser: the cookie's digest, its CSRF token, when it ends."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Audit(Base):
    """Who did what, when: opened, approved, returned, reissued, closed, signed in."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    collection_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
