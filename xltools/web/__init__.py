"""The desk's web layer (FastAPI): routes parse the request, call `xltools.desk`, render a page or JSON."""

from xltools.web.app import Settings, create_app

__all__ = ["Settings", "create_app"]
