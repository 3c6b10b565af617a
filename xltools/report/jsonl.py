"""JSON lines for programs: one object per file, exactly DESIGN §5's keys."""

from __future__ import annotations

import json
from collections.abc import Iterable

from xltools.findings import Report


def render_json(reports: Iterable[Report], lang: str = "zh") -> str:
    """One JSON object per file per line; messages in ``lang``."""
    return "\n".join(json.dumps(r.to_dict(lang), ensure_ascii=False) for r in reports)
