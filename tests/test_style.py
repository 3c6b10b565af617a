"""How many lines a text takes in a column: the one-line shortcut agrees with measuring."""

from __future__ import annotations

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
