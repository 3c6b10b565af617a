"""Parsed YAML kept between runs (xltools.spec.cache): used when the file is unchanged, re-read when it is
edited, never a way to run code, and never a reason for a load to fail."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from xltools.spec import cache
from xltools.spec.load import read_yaml


@pytest.fixture
def spec_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XLTOOLS_CACHE", str(tmp_path / "cache"))
    f = tmp_path / "x.yaml"
    f.write_text("id: x\ndate: 2024-07-09\nitems: [1, 2]\n", encoding="utf-8")
    return f


def entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "yaml").glob("*.pickle"))


def test_an_unchanged_file_is_parsed_once(spec_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = read_yaml(spec_file)
    assert len(entries(tmp_path)) == 1
    import xltools.spec.load as load

    def no_parsing() -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(load, "_loader", no_parsing)
    assert read_yaml(spec_file) == first == {"id": "x", "date": first["date"], "items": [1, 2]}


def test_an_edited_file_is_read_again(spec_file: Path, tmp_path: Path) -> None:
    read_yaml(spec_file)
    spec_file.write_text("id: y\n", encoding="utf-8")
    os.utime(spec_file, ns=(1, 1))
    assert read_yaml(spec_file) == {"id": "y"}


def test_a_planted_cache_entry_cannot_run_code(spec_file: Path, tmp_path: Path) -> None:
    read_yaml(spec_file)
    (entry,) = entries(tmp_path)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    entry.write_bytes(pickle.dumps({"id": Evil()}))
    assert read_yaml(spec_file)["id"] == "x"  # refused, parsed again
    assert not marker.exists()


def test_a_cache_that_cannot_be_used_is_ignored(
    spec_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XLTOOLS_CACHE", str(blocker))
    assert read_yaml(spec_file)["id"] == "x"
    monkeypatch.setenv("XLTOOLS_CACHE", "")
    assert cache.folder() is None and read_yaml(spec_file)["id"] == "x"
    (tmp_path / "cache").mkdir(exist_ok=True)
    monkeypatch.setenv("XLTOOLS_CACHE", str(tmp_path / "cache"))
    read_yaml(spec_file)
    (entry,) = entries(tmp_path)
    entry.write_bytes(b"\x80\x05garbage")
    assert read_yaml(spec_file)["id"] == "x"
