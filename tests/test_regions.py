"""Region lists: every bad entry is named by its key; the whole-list fast path agrees with entry-by-entry checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.spec import SpecError
from xltools.spec.model import Region
from xltools.spec.parse import _plain_regions, _region, parse_regions

PATH = Path("regions/city.yaml")
GOOD = [
    {"code": "440203", "name": "武江区"},
    {"code": "440204", "name": "浈江区"},
    {"code": "440222", "name": "始兴县"},
]


def listed(*entries: Any) -> dict[str, Any]:
    return {"id": "city", "name": "示例市", "regions": [*GOOD, *entries]}


def test_a_good_list_is_read_in_order() -> None:
    regions = parse_regions(PATH, listed(), "city")
    assert regions.regions == (Region("440203", "武江区"), Region("440204", "浈江区"), Region("440222", "始兴县"))
    assert regions.find("始兴县") == Region("440222", "始兴县") and regions.find(" 440204 ").name == "浈江区"


BAD = [
    ("code too short", {"code": "44022", "name": "甲县"}, "regions[3].code", "44022"),
    ("code with a letter", {"code": "44022x", "name": "甲县"}, "regions[3].code", "44022x"),
    ("full-width digits", {"code": "４４０２９９", "name": "甲县"}, "regions[3].code", "４４０２９９"),
    ("arabic-indic digits", {"code": "٤٤٠٢٩٩", "name": "甲县"}, "regions[3].code", "٤٤٠٢٩٩"),
    ("two codes on two lines", {"code": "440298\n440299", "name": "甲县"}, "regions[3].code", "440298"),
    ("slash in a name", {"code": "440299", "name": "甲/乙县"}, "regions[3].name", "甲/乙县"),
    ("control character", {"code": "440299", "name": "甲\x07县"}, "regions[3].name", "regions[3].name"),
    ("zero-width space", {"code": "440299", "name": "甲\u200b县"}, "regions[3].name", "regions[3].name"),
    ("private-use character", {"code": "440299", "name": "甲\ue000县"}, "regions[3].name", "regions[3].name"),
    ("name of spaces", {"code": "440299", "name": "   "}, "regions[3].name", "regions[3].name"),
    ("name too long", {"code": "440299", "name": "县" * 41}, "regions[3].name", "regions[3].name"),
    ("no name", {"code": "440299"}, "regions[3].name", "regions[3].name"),
    ("unknown key", {"code": "440299", "name": "甲县", "level": 3}, "regions[3].level", "level"),
    ("not a mapping", "440299 甲县", "regions[3]", "regions[3]"),
    ("code twice", {"code": "440203", "name": "甲县"}, "regions", "440203"),
    ("name twice", {"code": "440299", "name": "始兴县"}, "regions", "始兴县"),
]


@pytest.mark.parametrize(("what", "entry", "key", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_entry_is_named(what: str, entry: Any, key: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_regions(PATH, listed(entry), "city")
    message = str(info.value)
    assert "city.yaml" in message and key in message and words in message, (what, message)
    assert _plain_regions(listed(entry)["regions"]) is None  # the fast path never takes what the slow one refuses


def test_not_a_list_is_named() -> None:
    with pytest.raises(SpecError, match="regions"):
        parse_regions(PATH, {"regions": {"440203": "武江区"}}, "city")


def test_an_unusual_but_valid_entry_is_taken_entry_by_entry() -> None:
    """A key for people (``_note``), a numeric code or an ideographic space: valid, though not the fast path's."""
    entries = [{"code": 440299, "name": "甲县", "_note": "2024 年新设"}, {"code": "440298", "name": "乙\u3000县"}]
    regions = parse_regions(PATH, listed(*entries), "city")
    assert regions.regions[-2:] == (Region("440299", "甲县"), Region("440298", "乙\u3000县"))


six = st.from_regex(r"[0-9]{6}", fullmatch=True)
codes = st.one_of(six, st.text(max_size=8), st.integers(0, 10**7), st.builds("{}\n{}".format, six, six))
names = st.one_of(st.text(min_size=1, max_size=6, alphabet="甲乙丙县区 /\u200b\x00Ａ"), st.text(max_size=42))
entries = st.one_of(
    st.fixed_dictionaries({"code": codes, "name": names}),
    st.fixed_dictionaries({"code": codes, "name": names, "_x": st.none()}),
    st.fixed_dictionaries({"code": codes}),
    st.text(max_size=3),
)


@given(st.lists(entries, max_size=6))
@settings(max_examples=300, deadline=None)
def test_the_fast_path_agrees_with_entry_by_entry(items: list[Any]) -> None:
    try:
        slow: list[Region] | None = [_region(PATH, f"regions[{i}]", r) for i, r in enumerate(items)]
        assert slow is not None
        if len({r.code for r in slow}) < len(slow) or len({r.name for r in slow}) < len(slow):
            slow = None
    except SpecError:
        slow = None
    fast = _plain_regions(items)
    assert fast is None or fast == slow
