"""What keeps the desk safe by construction: response headers, sessions and CSRF for the bureau's forms.

County links carry their own secret and use no cookie (so they need no CSRF token, DESIGN §14). The
bureau's pages use a session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) and every form they post
carries the session's CSRF token, compared in constant time. The sign-in form, before any session, uses a
double-submit token: a random cookie that the form must repeat.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "xltools_session"
LOGIN_COOKIE = "xltools_login"

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a county page's address holds its secret: never sent onwards
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for k, v in HEADERS.items():
            if k == "Cache-Control" and request.url.path.startswith("/static/"):
                continue
            response.headers.setdefault(k, v)
        return response


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def login_token() -> str:
    return secrets.token_urlsafe(24)


class Throttle:
    """Failed sign-ins remembered per client address and per name: past ``limit`` in ``window`` seconds the
    next try waits until the oldest failure is older than the window (a guessing flood gets 429, not CPU)."""

    def __init__(self, limit: int = 10, window: float = 600.0) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def wait(self, *keys: str) -> float:
        """Seconds until ``keys`` may try again (0: now)."""
        now = time.monotonic()
        with self.lock:
            longest = 0.0
            for k in keys:
                q = self.failures.get(k)
                while q and now - q[0] > self.window:
                    q.popleft()
                if q and len(q) >= self.limit:
                    longest = max(longest, self.window - (now - q[0]))
            return longest

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self.lock:
            if len(self.failures) > 100_000:  # a flood of distinct keys: forget the oldest half
                for k in list(self.failures)[: len(self.failures) // 2]:
                    del self.failures[k]
            for k in keys:
                self.failures.setdefault(k, deque(maxlen=self.limit)).append(now)
