"""The ledger: one row per region of a collection, its status, versions and whether it came on time.

A region's status (DESIGN §6, §14): ``missing`` with no version; ``approved`` once a version is approved
(a later upload awaits review and does not displace it); ``returned`` when its latest version was sent
back; else the check status of its latest version (``ok``, ``warnings``, ``errors``, ``rejected``).
The counted version is the latest approved one, else the latest.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xltools.desk.tables import Collection, Link, Version

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class Row:
    region_code: str
    region_name: str
    status: str
    versions: int
    last_upload: dt.datetime | None  # UTC
    on_time: bool | None  # None: nothing sent and the deadline not passed
    counted: Version | None
    latest: Version | None
    pending: bool  # a version newer than the approved one awaits review

    def to_dict(self) -> dict[str, Any]:
        """DESIGN §14's keys; times in ISO 8601 with their offset (Beijing time)."""
        last = self.last_upload.replace(tzinfo=dt.UTC).astimezone(CHINA).isoformat() if self.last_upload else None
        return {
            "region_code": self.region_code,
            "region_name": self.region_name,
            "status": self.status,
            "versions": self.versions,
            "last_upload": last,
            "on_time": self.on_time,
        }

    @property
    def contact(self) -> dict[str, str]:
        """Preparer and phone of the region's latest return that gave them."""
        for v in (self.latest, self.counted):
            if v is not None:
                found = json.loads(v.contact or "{}")
                if found:
                    return dict(found)
        return {}


def status_of(versions: Sequence[Version], last_review: Mapping[int, str]) -> tuple[str, Version | None]:
    """(status, counted version) of one region from its versions (oldest first) and each version's last
    review action by version id."""
    if not versions:
        return "missing", None
    approved = [v for v in versions if last_review.get(v.id) == "approved"]
    latest = versions[-1]
    if approved:
        return "approved", approved[-1]
    if last_review.get(latest.id) == "returned":
        return "returned", latest
    return latest.status, latest


def on_time(counted: Version | None, deadline: dt.date, today: dt.date) -> bool | None:
    if counted is None:
        return False if today > deadline else None
    return counted.uploaded_at.replace(tzinfo=dt.UTC).astimezone(CHINA).date() <= deadline


def ledger_rows(
    c: Collection, links: Sequence[Link], versions: Sequence[Version], last_review: Mapping[int, str], today: dt.date
) -> list[Row]:
    by_region: dict[str, list[Version]] = {}
    for v in versions:
        by_region.setdefault(v.region_code, []).append(v)
    rows = []
    for link in links:
        vs = by_region.get(link.region_code, [])
        status, counted = status_of(vs, last_review)
        latest = vs[-1] if vs else None
        rows.append(
            Row(
                link.region_code,
                link.region_name,
                status,
                len(vs),
                latest.uploaded_at if latest else None,
                on_time(counted, c.deadline, today),
                counted,
                latest,
                status == "approved"
                and latest is not None
                and counted is not None
                and latest.number > counted.number
                and latest.id not in last_review,  # a newer version nobody has reviewed yet
            )
        )
    return rows


CHASE = ("missing", "returned", "rejected", "errors")  # regions the bureau still waits for


def chase(rows: Sequence[Row]) -> list[Row]:
    """The 催报 list: regions not yet sent, sent back, or whose counted return cannot be used."""
    return [r for r in rows if r.status in CHASE]


def region_order(spec_id: str) -> dict[str, int]:
    """Region code -> its place in the spec's region list."""
    from xltools.spec import load_spec

    return {r.code: i for i, r in enumerate(load_spec(spec_id).regions.regions)}
