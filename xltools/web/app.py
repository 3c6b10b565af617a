"""The desk's web app: settings, start-up (recovery, warm checkers), static files, plain error pages."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xltools.catalogue import say
from xltools.desk import Desk
from xltools.desk.checking import Checker
from xltools.web.pages import HERE, message
from xltools.web.security import HEADERS, SecurityHeaders, Throttle

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """How the desk runs: where its data is and what an upload may cost."""

    data: Path | None = None
    db: str | None = None
    max_upload: int = 20 * MB
    checkers: int = 2
    check_timeout: float = 60.0
    check_memory: int = 1024 * MB

    @property
    def hard_limit(self) -> int:
        """Bytes read (and discarded) past the cap before the connection is dropped."""
        return max(5 * self.max_upload, self.max_upload + 64 * MB)

    @property
    def work(self) -> Path:
        """Where uploads are received before they are checked and stored."""
        if self.db and self.db.startswith("postgresql"):
            return Path(tempfile.gettempdir()) / "xltools-incoming"
        return Path(self.data or "xltools-data").resolve() / "incoming"


def create_app(settings: Settings | None = None, desk: Desk | None = None, checker: Checker | None = None) -> FastAPI:
    """The desk's app over ``settings`` (or a given desk and checker, for tests)."""
    settings = settings or Settings()
    desk = desk or Desk.at(settings.data, settings.db)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        work = settings.work
        shutil.rmtree(work, ignore_errors=True)  # uploads a crash left half-received
        work.mkdir(parents=True, exist_ok=True)
        desk.recover()
        own = checker is None
        app.state.hashing = asyncio.Semaphore(2)  # argon2 takes 64 MiB and ~0.2 s a try: two at once
        app.state.checker = checker or Checker(settings.checkers, settings.check_timeout, settings.check_memory)
        await run_in_threadpool(app.state.checker.ready)  # serve once the checkers are warm
        try:
            yield
        finally:
            if own:
                app.state.checker.close()

    # redirect_slashes off: its redirect would be built from the request's Host header
    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    app.state.desk, app.state.settings = desk, settings
    app.state.throttle = Throttle()  # failed sign-ins per address and name
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    from xltools.web import api, bureau, county

    app.include_router(county.router)
    app.include_router(bureau.router)
    app.include_router(api.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        key = ERRORS.get(exc.status_code, "desk.forbidden")
        if exc.detail == "csrf":
            key = "desk.csrf"
        return plain_error(request, key, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        """A malformed path or parameter (/returns/abc, ?v=x): the plain page, not FastAPI's JSON."""
        return plain_error(request, "desk.bad_request", 404 if request.url.path.startswith("/r/") else 400)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        response = plain_error(request, "desk.internal", 500)
        response.headers.update(HEADERS)  # this one bypasses the middleware
        return response

    return app


ERRORS = {
    401: "desk.forbidden",
    404: "desk.not_found",
    405: "desk.method",
    413: "desk.form_too_large",
    429: "desk.too_many_logins",
}


def plain_error(request: Request, key: str, status: int) -> Response:
    """One line: JSON for the API and scripts, else a plain page."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if wants_json(request) or request.url.path.startswith("/api/"):
        return JSONResponse({"error": key.split(".")[1], "message": say(key)}, status_code=status, headers=headers)
    response = message("page.not_found_title" if status == 404 else "page.error_title", say(key), status)
    if headers:
        response.headers.update(headers)
    return response


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def state(request: Request) -> Any:
    return request.app.state
