"""How many lines a text takes in a column: the one-line shortcut agrees with measuring."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.style import Measure, display_width


def measured(text: str, width: float) -> int:
    room = max(int(width) - 1, 1)
    return sum(max(1, -(-display_width(p) // room)) for p in text.splitlines() or [""])


@given(st.text(alphabet=st.sampled_from("ab 1,.甲乙\n\r\x0b\x1c\u2028\u3000"), max_size=30), st.floats(0, 40))
@settings(max_examples=500, deadline=None)
def test_lines_agrees_with_measuring(text: str, width: float) -> None:
    assert Measure.lines(text, width) == measured(text, width)


def test_lines_of_known_texts() -> None:
    assert Measure.lines("", 10) == 1
    assert Measure.lines("甲乙丙丁", 9) == 1 and Measure.lines("甲乙丙丁戊", 9) == 2
    assert Measure.lines("a\nb", 40) == 2 and Measure.lines("a\u2028b", 40) == 2


@given(
    st.lists(st.text(alphabet=st.sampled_from("ab 1,.甲乙\n\u3000"), max_size=40), min_size=1, max_size=8),
    st.one_of(st.none(), st.integers(1, 60), st.floats(1, 60)),
    st.one_of(st.none(), st.integers(1, 60), st.floats(1, 60)),
)
@settings(max_examples=500, deadline=None)
def test_lines_counted_at_a_columns_bound_are_those_at_its_final_width(
    texts: list[str], cap: float | None, fixed: float | None
) -> None:
    """A row's height is decided as it is written, at the widest its column may be (`Measure.bound`); the column's
    width is set after the last row: every text takes as many lines at one width as at the other."""
    m = Measure({} if cap is None else {0: cap})
    if fixed is not None:
        m.width(0, fixed)
    for text in texts:
        m.text(0, 0, text)
    bound, final = m.bound(0), m.widths()[0]
    assert final <= bound
    assert [Measure.lines(t, bound) for t in texts] == [Measure.lines(t, final) for t in texts]


def test_a_columns_width_is_decided_before_its_first_text() -> None:
    m = Measure({0: 10})
    m.cap(1, 20)
    m.text(0, 0, "甲")
    with pytest.raises(ValueError, match="column 0"):
        m.width(0, 8)
    with pytest.raises(ValueError, match="column 0"):
        m.cap(0, 8)
    assert m.bound(1) == 20 and m.bound(0) == 10
