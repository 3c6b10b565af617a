"""The desk as a library: collections, links, staff, uploads, reviews, the ledger (DESIGN §14).

The web app and the ``desk`` commands only parse, call a `Desk` method and render::

    desk = Desk.at(Path("xltools-data"))
    opened = desk.open_collection("yibao_dept", 2025, dt.date(2026, 3, 31))
    link = desk.link(opened.links[0].token)
    version, checked = desk.submit(link, Path("440222.xlsx"), "440222.xlsx", checker)
    desk.ledger(opened.collection)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xltools.desk import db as dbm
from xltools.desk.blobs import Blobs, FileBlobs, TableBlobs, digest_file
from xltools.desk.checking import Checked, Job, held_targets
from xltools.desk.ledger import Row, ledger_rows, region_order
from xltools.desk.tables import Audit, Collection, Link, Review, User, Version
from xltools.desk.tables import Session as SessionRow

SESSION_HOURS = 12
MAX_VERSIONS = 500  # uploads kept per region and collection: a leaked link cannot fill the disk
UNFINISHED = ("crashed", "timeout")  # a check that did not finish: the upload is refused, not recorded
CHINA = dt.timezone(dt.timedelta(hours=8))  # deadlines and times shown are Beijing time
NAME = re.compile(r"[^\W\d_][\w.\-]{0,39}|\d[\w.\-]{0,39}")  # a staff login name: letters, digits, . _ -


class DeskError(Exception):
    """A request the desk refuses: ``detail`` is its catalogue key (desk.<detail>)."""

    def __init__(self, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.detail, self.params = detail, params


def now() -> dt.datetime:
    """UTC, without tzinfo (as stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def local(t: dt.datetime) -> dt.datetime:
    """A stored UTC time in Beijing time."""
    return t.replace(tzinfo=dt.UTC).astimezone(CHINA)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    """192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class IssuedLink:
    region_code: str
    region_name: str
    token: str
    url: str


@dataclass(frozen=True)
class Opened:
    collection: str
    admin_token: str
    links: list[IssuedLink] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """DESIGN §14's keys."""
        return {
            "collection": self.collection,
            "admin_token": self.admin_token,
            "regions": [
                {"region_code": x.region_code, "region_name": x.region_name, "token": x.token, "url": x.url}
                for x in self.links
            ],
        }


@dataclass(frozen=True)
class Access:
    """What a county's link opens: its collection and region."""

    collection: Collection
    link: Link

    @property
    def closed(self) -> bool:
        return self.collection.closed_at is not None


@dataclass(frozen=True)
class Staff:
    """A signed-in bureau staff member and the session's CSRF token."""

    name: str
    csrf: str


class Desk:
    """One desk: its database and its stored uploads."""

    def __init__(self, url: str, files: Path | None = None) -> None:
        self.url = url
        self.engine = dbm.connect(url)
        dbm.migrate(self.engine)
        self.sessions = dbm.sessions(self.engine)
        self.readers = dbm.sessions(dbm.connect(url, immediate=False)) if url.startswith("sqlite") else self.sessions
        self.blobs: Blobs = FileBlobs(files) if files is not None else TableBlobs()

    @classmethod
    def at(cls, data: Path | None = None, db: str | None = None, create: bool = True) -> Desk:
        """The desk in ``data`` (default ./xltools-data: SQLite and the uploads' files), or at ``db``.
        With ``create=False`` a data folder without a desk is refused (a mistyped ``--data``)."""
        if db and not db.startswith(("sqlite", "postgresql")):
            raise DeskError("db_url", url=db.split("@")[-1])
        if db is None:
            folder = Path(data or "xltools-data")
            if not create and not (folder / dbm.SQLITE_NAME).is_file():
                raise DeskError("no_desk", folder=str(folder))
            folder.mkdir(parents=True, exist_ok=True)
            return cls(dbm.database_url(folder, None), folder.resolve() / "uploads")
        files = None if db.startswith("postgresql") else Path(data or "xltools-data").resolve() / "uploads"
        return cls(db, files)

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """A writing transaction (on SQLite it holds the write lock: keep it short)."""
        with self.sessions.begin() as s:
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A reading transaction: never waits for a writer."""
        with self.readers.begin() as s:
            yield s

    def recover(self) -> int:
        """After a crash: remove stored files no version names. Run before serving; returns how many."""
        with self.read() as s:
            known = set(s.scalars(select(Version.sha256)))
        return self.blobs.sweep(known)

    def backup(self, target: Path) -> Path:
        """A consistent copy of a SQLite desk in ``target`` (a new folder), taken while it runs: the
        database through SQLite's online backup first, then the stored files it names (files are written
        before their rows, so every row's file is there). Restore by serving ``target`` as the data folder.
        PostgreSQL desks are backed up with `pg_dump` (their files are in the database)."""
        import shutil
        import sqlite3

        if not isinstance(self.blobs, FileBlobs) or not self.url.startswith("sqlite:///"):
            raise DeskError("backup_postgres")
        if target.exists() and any(target.iterdir()):
            raise DeskError("backup_exists", path=str(target))
        target.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(self.url.removeprefix("sqlite:///"))
        copy = sqlite3.connect(target / dbm.SQLITE_NAME)
        try:
            source.backup(copy)
            known = {row[0] for row in copy.execute("SELECT sha256 FROM versions")}
        finally:
            copy.close()
            source.close()
        files = FileBlobs(target / "uploads")
        for sha in sorted(known):
            dest = files.path(sha)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.blobs.path(sha), dest)
        return target

    # --- collections and links ------------------------------------------------------------------------
    def open_collection(
        self,
        spec_id: str,
        year: int,
        deadline: dt.date,
        targets: dict[str, list[dict[str, Any]]] | None = None,
        base_url: str = "",
        user: str = "cli",
        schemas: Path | None = None,
    ) -> Opened:
        """A new collection with a secret link per region of the spec's region list."""
        from xltools.spec import load_spec

        spec = load_spec(spec_id, schemas)
        admin = new_token()
        base = base_url.rstrip("/")
        with self.tx() as s:
            cid = self._free_id(s, f"{spec.id}-{year}")
            s.add(
                Collection(
                    id=cid,
                    spec=spec.id,
                    year=year,
                    deadline=deadline,
                    admin_token=digest(admin),
                    targets=json.dumps(targets, ensure_ascii=False, default=str) if targets else None,
                    base_url=base,
                    opened_at=now(),
                )
            )
            s.flush()
            issued = []
            for r in spec.regions.regions:
                token = new_token()
                s.add(
                    Link(
                        collection_id=cid, region_code=r.code, region_name=r.name, token=digest(token), issued_at=now()
                    )
                )
                issued.append(IssuedLink(r.code, r.name, token, f"{base}/r/{token}"))
            self._audit(s, user, "open", cid, detail=f"{spec.id} {year} {deadline.isoformat()}")
        return Opened(cid, admin, issued)

    @staticmethod
    def _free_id(s: Session, base: str) -> str:
        taken = set(s.scalars(select(Collection.id).where(Collection.id.like(f"{base}%"))))
        n, cid = 1, base
        while cid in taken:
            n += 1
            cid = f"{base}-{n}"
        return cid

    def collections(self) -> list[Collection]:
        with self.read() as s:
            return list(s.scalars(select(Collection).order_by(Collection.opened_at.desc(), Collection.id)))

    def collection(self, cid: str) -> Collection:
        with self.read() as s:
            c = s.get(Collection, cid)
        if c is None:
            raise DeskError("no_collection", collection=cid)
        return c

    def only_collection(self, cid: str | None) -> Collection:
        """``cid``, or the one open collection when there is exactly one (for `desk link`)."""
        if cid:
            return self.collection(cid)
        cs = self.collections()
        if len(cs) != 1:
            raise DeskError("which_collection", collections=", ".join(c.id for c in cs) or "—")
        return cs[0]

    def reissue(self, cid: str, region_code: str, user: str = "cli") -> IssuedLink:
        """A new link for a region; the old one stops working at once."""
        with self.tx() as s:
            c = s.get(Collection, cid)
            if c is None:
                raise DeskError("no_collection", collection=cid)
            old = s.scalars(
                select(Link).where(
                    Link.collection_id == cid, Link.region_code == region_code, Link.revoked_at.is_(None)
                )
            ).first()
            if old is None:
                raise DeskError("no_region", region=region_code, collection=cid)
            old.revoked_at = now()
            token = new_token()
            s.add(
                Link(
                    collection_id=cid,
                    region_code=region_code,
                    region_name=old.region_name,
                    token=digest(token),
                    issued_at=now(),
                )
            )
            self._audit(s, user, "reissue", cid, region_code)
        return IssuedLink(region_code, old.region_name, token, f"{c.base_url}/r/{token}")

    def link(self, token: str) -> Access | None:
        """The region a county token opens, or None (unknown or reissued). The token is looked up by its
        digest and compared in constant time."""
        if not token or len(token) > 100:
            return None
        d = digest(token)
        with self.read() as s:
            row = s.scalars(select(Link).where(Link.token == d)).first()
            if row is None or not hmac.compare_digest(row.token, d) or row.revoked_at is not None:
                return None
            c = s.get(Collection, row.collection_id)
        assert c is not None
        return Access(c, row)

    def admin(self, cid: str, token: str) -> bool:
        """Whether ``token`` is the admin token of collection ``cid``."""
        with self.read() as s:
            c = s.get(Collection, cid)
        return c is not None and bool(token) and hmac.compare_digest(c.admin_token, digest(token))

    def close(self, cid: str, user: str) -> None:
        with self.tx() as s:
            c = s.get(Collection, cid)
            if c is None:
                raise DeskError("no_collection", collection=cid)
            if c.closed_at is None:
                c.closed_at = now()
                self._audit(s, user, "close", cid)

    def regions(self, cid: str) -> list[Link]:
        """The collection's regions (their current links) in the region list's order."""
        c = self.collection(cid)
        with self.read() as s:
            links = list(s.scalars(select(Link).where(Link.collection_id == cid, Link.revoked_at.is_(None))))
        order = region_order(c.spec)
        return sorted(links, key=lambda x: (order.get(x.region_code, len(order)), x.region_code))

    # --- staff ----------------------------------------------------------------------------------------
    def add_user(self, name: str, password: str) -> None:
        from argon2 import PasswordHasher

        if not NAME.fullmatch(name):
            raise DeskError("user_name", name=name[:60])
        if len(password) < 8:
            raise DeskError("password_short")
        with self.tx() as s:
            if s.scalars(select(User).where(User.name == name)).first() is not None:
                raise DeskError("user_exists", name=name)
            s.add(User(name=name, password=PasswordHasher().hash(password), created_at=now()))
            self._audit(s, "cli", "user_add", detail=name)

    def login(self, name: str, password: str) -> str | None:
        """A new session's cookie value, or None for a wrong name or password (the same time either way).
        The password is verified outside any transaction: a flood of guesses never holds the database."""
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.read() as s:
            user = s.scalars(select(User).where(User.name == name[:80])).first()
        try:
            PasswordHasher().verify(user.password if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            if user is not None:
                self.note(user.name, "login_failed")
            return None
        if user is None:
            return None
        cookie = new_token()
        with self.tx() as s:
            s.add(
                SessionRow(
                    id=digest(cookie),
                    user_id=user.id,
                    csrf=new_token(),
                    created_at=now(),
                    expires_at=now() + dt.timedelta(hours=SESSION_HOURS),
                )
            )
            self._audit(s, user.name, "login")
        return cookie

    def staff(self, cookie: str | None) -> Staff | None:
        """The signed-in staff member of a session cookie, or None."""
        if not cookie or len(cookie) > 100:
            return None
        with self.read() as s:
            row = s.get(SessionRow, digest(cookie))
            if row is None or row.expires_at < now():
                return None
            user = s.get(User, row.user_id)
        return Staff(user.name, row.csrf) if user else None

    def logout(self, cookie: str | None) -> None:
        if not cookie:
            return
        with self.tx() as s:
            row = s.get(SessionRow, digest(cookie))
            if row is not None:
                s.delete(row)

    # --- uploads --------------------------------------------------------------------------------------
    def check(self, access: Access, path: Path, file_name: str, check: Any) -> Checked:
        """``path`` checked as a return of ``access``'s region and compared with its latest version (with
        ``check``: `Checker.check`); nothing is recorded."""
        c, link = access.collection, access.link
        last = self.latest(c.id, link.region_code)
        targets = held_targets(c, link.region_code)
        with tempfile.TemporaryDirectory(prefix="xltools-previous-") as tmp:
            prev = str(self._materialise(last, Path(tmp) / "previous.xlsx")) if last is not None else None
            job = Job(str(path), file_name, c.spec, c.year, link.region_code, link.region_name, prev, targets=targets)
            return check(job)  # type: ignore[no-any-return]

    def submit(self, access: Access, path: Path, file_name: str, check: Any) -> tuple[Version, Checked]:
        """Check ``path`` (with ``check``: `Checker.check`) and record it as the region's next version.
        The file is stored before its row; both or — after a crash, once `recover` ran — neither."""
        if access.closed:
            raise DeskError("closed", collection=access.collection.id)
        checked = self.check(access, path, file_name, check)
        failed = next((f for f in checked.report.findings if f.code == "unreadable" and f.detail in UNFINISHED), None)
        if checked.report.unreadable and failed is not None:  # the checker's trouble, maybe not the file's
            from xltools.catalogue import Msg

            reason = Msg.of(f"desk.unfinished_{failed.detail}", **failed.params)
            raise DeskError("check_failed", reason=reason)
        sha, size = digest_file(path), path.stat().st_size
        errors, warnings = checked.counts
        with self.tx() as s:
            if s.get(Collection, access.collection.id).closed_at is not None:  # type: ignore[union-attr]
                raise DeskError("closed", collection=access.collection.id)
            s.scalars(select(Link).where(Link.id == access.link.id).with_for_update()).first()
            number = 1 + (
                s.scalar(
                    select(func.max(Version.number)).where(
                        Version.collection_id == access.collection.id, Version.region_code == access.link.region_code
                    )
                )
                or 0
            )
            if number > MAX_VERSIONS:
                raise DeskError("too_many_versions", limit=MAX_VERSIONS)
            self.blobs.put(s, path, sha)
            version = Version(
                collection_id=access.collection.id,
                region_code=access.link.region_code,
                number=number,
                sha256=sha,
                size=size,
                file_name=file_name[:255],
                uploaded_at=now(),
                status=checked.status,
                errors=errors,
                warnings=warnings,
                report=checked.report_json("zh"),
                report_en=checked.report_json("en"),
                diff=json.dumps(checked.diff, ensure_ascii=False) if checked.diff is not None else None,
                contact=json.dumps(checked.contact, ensure_ascii=False),
            )
            s.add(version)
            try:
                s.flush()
            except IntegrityError as e:  # another upload of this region took the number: the caller retries
                raise DeskError("busy") from e
        return version, checked

    def versions(self, cid: str, region_code: str) -> list[Version]:
        with self.read() as s:
            return list(
                s.scalars(
                    select(Version)
                    .where(Version.collection_id == cid, Version.region_code == region_code)
                    .order_by(Version.number)
                )
            )

    def latest(self, cid: str, region_code: str) -> Version | None:
        vs = self.versions(cid, region_code)
        return vs[-1] if vs else None

    def version(self, cid: str, region_code: str, number: int) -> Version:
        if not 0 < number <= MAX_VERSIONS:
            raise DeskError("no_version", region=region_code, number=number)
        with self.read() as s:
            v = s.scalars(
                select(Version).where(
                    Version.collection_id == cid, Version.region_code == region_code, Version.number == number
                )
            ).first()
        if v is None:
            raise DeskError("no_version", region=region_code, number=number)
        return v

    def content(self, v: Version) -> bytes:
        with self.read() as s:
            return self.blobs.read(s, v.sha256)

    def _materialise(self, v: Version, target: Path) -> Path:
        target.write_bytes(self.content(v))
        return target

    def annotated(self, access: Access, v: Version, folder: Path, check: Any) -> Path | None:
        """The annotated copy of version ``v`` in ``folder`` (None when the file cannot be read)."""
        source = self._materialise(v, folder / f"v{v.number}.xlsx")
        out = folder / "annotated.xlsx"
        c, link = access.collection, access.link
        targets = held_targets(c, link.region_code)
        job = Job(str(source), v.file_name, c.spec, c.year, link.region_code, link.region_name, None, str(out), targets)
        result = check(job)
        return out if isinstance(result, Checked) and out.exists() else None

    # --- reviews, ledger, audit -----------------------------------------------------------------------
    def review(self, cid: str, region_code: str, number: int, action: str, comment: str, user: str) -> None:
        if action not in ("approved", "returned"):
            raise DeskError("action", action=action[:20])
        comment = comment.strip()[:2000]
        if action == "returned" and not comment:
            raise DeskError("comment_needed")
        v = self.version(cid, region_code, number)
        if action == "approved" and v.status == "rejected":
            raise DeskError("approve_rejected", number=number)
        with self.tx() as s:
            s.add(Review(version_id=v.id, action=action, comment=comment, user_name=user, at=now()))
            self._audit(s, user, action, cid, region_code, number, comment)

    def reviews(self, cid: str, region_code: str) -> dict[int, list[Review]]:
        """Reviews by version number, oldest first."""
        with self.read() as s:
            rows = s.execute(
                select(Version.number, Review)
                .join(Review, Review.version_id == Version.id)
                .where(Version.collection_id == cid, Version.region_code == region_code)
                .order_by(Review.id)
            ).all()
        out: dict[int, list[Review]] = {}
        for n, r in rows:
            out.setdefault(n, []).append(r)
        return out

    def ledger(self, cid: str, today: dt.date | None = None) -> list[Row]:
        """One row per region, in the region list's order (DESIGN §14)."""
        c = self.collection(cid)
        with self.read() as s:
            links = list(
                s.scalars(select(Link).where(Link.collection_id == cid, Link.revoked_at.is_(None)).order_by(Link.id))
            )
            versions = list(s.scalars(select(Version).where(Version.collection_id == cid).order_by(Version.number)))
            reviews = s.execute(
                select(Review.version_id, Review.action)
                .join(Version)
                .where(Version.collection_id == cid)
                .order_by(Review.id)
            ).all()
        order = region_order(c.spec)
        links.sort(key=lambda x: (order.get(x.region_code, len(order)), x.region_code))
        return ledger_rows(c, links, versions, {vid: a for vid, a in reviews}, today or local(now()).date())

    def audit(self, cid: str | None = None) -> list[Audit]:
        with self.read() as s:
            q = select(Audit).order_by(Audit.id.desc())
            if cid:  # the collection's own entries and the staff's (sign-ins, users added)
                q = q.where((Audit.collection_id == cid) | Audit.collection_id.is_(None))
            return list(s.scalars(q.limit(1000)))

    def note(self, user: str, action: str, cid: str | None = None, region_code: str | None = None) -> None:
        with self.tx() as s:
            self._audit(s, user, action, cid, region_code)

    @staticmethod
    def _audit(
        s: Session,
        user: str,
        action: str,
        cid: str | None = None,
        region: str | None = None,
        version: int | None = None,
        detail: str = "",
    ) -> None:
        s.add(
            Audit(
                at=now(),
                user_name=user,
                action=action,
                collection_id=cid,
                region_code=region,
                version=version,
                detail=detail,
            )
        )


# A hash to verify against when the name is unknown, so a wrong name costs what a wrong password does.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$Vq4jwGYzqWm2fKc0o6p1bxXyqkT6c8rUo3B2wB5Tq0w"
