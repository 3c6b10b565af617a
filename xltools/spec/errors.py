"""SpecError: a spec file is malformed. It names the file, the key and the problem (a catalogue key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xltools.catalogue import say


class SpecError(ValueError):
    """A spec file is malformed; ``detail`` is the problem's catalogue key (``spec.<detail>``)."""

    def __init__(self, path: Path | str, key: str, detail: str, **params: Any) -> None:
        self.path, self.key, self.detail, self.params = str(path), key, detail, params
        super().__init__(self.text("zh"))

    def __reduce__(self) -> tuple[object, ...]:  # crosses process boundaries (worker pools) intact
        return (_rebuild, (self.path, self.key, self.detail, self.params))

    def text(self, lang: str = "zh") -> str:
        """One line: file, key, problem — in ``lang``."""
        problem = say(f"spec.{self.detail}", lang, **self.params)
        return f"{self.path}: {self.key}: {problem}" if self.key else f"{self.path}: {problem}"


def _rebuild(path: str, key: str, detail: str, params: dict[str, Any]) -> SpecError:
    return SpecError(path, key, detail, **params)
