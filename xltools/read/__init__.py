"""Reading returned workbooks safely: what kind of file it is (`sniff`), the zip package opened with limits
(`package`), and names, metadata, values and formulas (`workbook`). Every bad file is `Unreadable`."""

from __future__ import annotations

from xltools.read.sniff import Unreadable, sniff
from xltools.read.workbook import RawWorkbook, read_workbook

__all__ = ["RawWorkbook", "Unreadable", "read_workbook", "sniff"]
