"""The collection desk (DESIGN §14): counties upload through secret links, the bureau keeps the ledger.

`service.Desk` is the library; `xltools.web` serves it and the ``desk`` commands drive it.
"""

from xltools.desk.service import Access, Desk, DeskError, Opened

__all__ = ["Access", "Desk", "DeskError", "Opened"]
