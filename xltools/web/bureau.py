"""The bureau's pages: sign-in, the ledger, a region's versions and reviews, summary, 催报 list, audit log."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xltools.aggregate.export import csv_safe
from xltools.catalogue import say
from xltools.desk import Access, DeskError
from xltools.desk.ledger import chase
from xltools.desk.service import Staff
from xltools.web.app import state
from xltools.web.county import annotated_copy, download, spec_title
from xltools.web.pages import message, page
from xltools.web.security import LOGIN_COOKIE, SESSION_COOKIE, login_token, same, set_cookie

router = APIRouter()
FORM_LIMIT = 64 * 1024  # a bureau form is a few fields


class SignIn(Exception):
    """Not signed in: go to the sign-in page."""


async def form(request: Request) -> dict[str, str]:
    """A small url-encoded form (refused past FORM_LIMIT: nobody needs a bigger one)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise HTTPException(413)
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}


def staff(request: Request) -> Staff:
    who = state(request).desk.staff(request.cookies.get(SESSION_COOKIE))
    if who is None:
        raise SignIn
    return who  # type: ignore[no-any-return]


async def checked_form(request: Request) -> tuple[Staff, dict[str, str]]:
    """The signed-in staff member and the form, whose CSRF token must be the session's."""
    who = staff(request)
    fields = await form(request)
    if not same(fields.get("csrf"), who.csrf):
        raise HTTPException(403, "csrf")
    return who, fields


def to_login() -> Response:
    return RedirectResponse("/login", status_code=303)


@router.get("/login")
async def login_page(request: Request, error: str = "") -> Response:
    token = login_token()
    response = page("login.html", 200 if not error else 401, csrf=token, error=error)
    set_cookie(response, request, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    fields = await form(request)
    if not same(fields.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
        return message("page.error_title", say("desk.csrf"), 403)
    name = fields.get("name", "")[:80]
    keys = (f"ip:{request.client.host if request.client else ''}", f"name:{name}")
    throttle, hashing = state(request).throttle, state(request).hashing
    wait = throttle.wait(*keys)
    if wait > 0:
        return message("page.error_title", say("desk.too_many_logins", minutes=int(wait // 60) + 1), 429)
    async with hashing:
        cookie = await run_in_threadpool(state(request).desk.login, name, fields.get("password", ""))
    if cookie is None:
        throttle.failed(*keys)
        return await login_page(request, say("desk.login_failed"))
    response = RedirectResponse("/", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, cookie)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    try:
        who, _ = await checked_form(request)
    except SignIn:
        return to_login()
    desk = state(request).desk
    desk.logout(request.cookies.get(SESSION_COOKIE))
    desk.note(who.name, "logout")
    response = to_login()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def signed_in(fn: Any) -> Any:
    """A page for signed-in staff only (others are sent to sign in)."""
    import functools

    @functools.wraps(fn)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return await fn(request, *args, **kwargs)  # type: ignore[no-any-return]
        except SignIn:
            return to_login()
        except DeskError as e:
            status = 404 if e.detail.startswith("no_") else 400
            return message("page.error_title", say(f"desk.{e.detail}", **e.params), status)

    return wrapper


@router.get("/")
@signed_in
async def ledger(request: Request, c: str | None = None) -> Response:
    who = staff(request)
    return await run_in_threadpool(_ledger, request, who, c)


def _ledger(request: Request, who: Staff, cid: str | None) -> Response:
    desk = state(request).desk
    collections = desk.collections()
    if not collections:
        return page("ledger.html", staff=who, collection=None)
    chosen = desk.collection(cid) if cid else collections[0]
    rows = desk.ledger(chosen.id)
    counts = Counter(r.status for r in rows)
    order = ("missing", "ok", "warnings", "errors", "rejected", "returned", "approved")
    return page(
        "ledger.html",
        staff=who,
        collection=chosen,
        others=[x for x in collections if x.id != chosen.id],
        spec_title=spec_title(chosen.spec),
        rows=rows,
        counts=[(k, counts[k]) for k in order if counts[k]],
    )


@router.get("/c/{cid}/r/{code}")
@signed_in
async def region(request: Request, cid: str, code: str, v: int | None = None) -> Response:
    who = staff(request)
    return await run_in_threadpool(_region, request, who, cid, code, v, "")


def _region(request: Request, who: Staff, cid: str, code: str, number: int | None, error: str) -> Response:
    desk = state(request).desk
    c = desk.collection(cid)
    row = next((r for r in desk.ledger(cid) if r.region_code == code), None)
    versions = desk.versions(cid, code)
    if row is None or not versions:
        raise HTTPException(404)
    shown = next((x for x in versions if x.number == number), None) or versions[-1]
    return page(
        "region.html",
        200 if not error else 400,
        staff=who,
        collection=c,
        spec_title=spec_title(c.spec),
        row=row,
        versions=versions,
        reviews=desk.reviews(cid, code),
        shown=shown,
        findings=json.loads(shown.report)["findings"],
        diff=json.loads(shown.diff) if shown.diff else None,
        error=error,
    )


@router.post("/c/{cid}/r/{code}/versions/{number}/review")
@signed_in
async def review(request: Request, cid: str, code: str, number: int) -> Response:
    who, fields = await checked_form(request)
    try:
        await run_in_threadpool(
            state(request).desk.review, cid, code, number, fields.get("action", ""), fields.get("comment", ""), who.name
        )
    except DeskError as e:
        if e.detail.startswith("no_"):
            raise
        return await run_in_threadpool(_region, request, who, cid, code, number, say(f"desk.{e.detail}", **e.params))
    return RedirectResponse(f"/c/{cid}/r/{code}?v={number}", status_code=303)


def _access(request: Request, cid: str, code: str) -> Access:
    desk = state(request).desk
    link = next((x for x in desk.regions(cid) if x.region_code == code), None)
    if link is None:
        raise HTTPException(404)
    return Access(desk.collection(cid), link)


@router.get("/c/{cid}/r/{code}/versions/{number}/file")
@signed_in
async def original(request: Request, cid: str, code: str, number: int) -> Response:
    staff(request)
    desk = state(request).desk
    v = desk.version(cid, code, number)
    folder = tempfile.TemporaryDirectory(prefix="xltools-file-")
    path = Path(folder.name) / "file.xlsx"
    path.write_bytes(await run_in_threadpool(desk.content, v))
    stem = Path(v.file_name).stem or code
    return download(path, say("page.version_name", stem=stem, number=number), folder)


@router.get("/c/{cid}/r/{code}/versions/{number}/annotated")
@signed_in
async def annotated(request: Request, cid: str, code: str, number: int) -> Response:
    staff(request)
    a = _access(request, cid, code)
    return await run_in_threadpool(annotated_copy, request, a, number)


@router.get("/c/{cid}/summary.xlsx")
@signed_in
async def summary(request: Request, cid: str) -> Response:
    who = staff(request)
    return await run_in_threadpool(summary_file, request, cid, who.name, ".xlsx")


@router.get("/c/{cid}/export.csv")
@signed_in
async def export(request: Request, cid: str) -> Response:
    who = staff(request)
    return await run_in_threadpool(summary_file, request, cid, who.name, ".csv")


def summary_file(request: Request, cid: str, user: str, kind: str) -> Response:
    """The collection's summary workbook or long export, built now from the counted versions."""
    from xltools.desk.summary import build_summary

    desk = state(request).desk
    c = desk.collection(cid)
    folder = tempfile.TemporaryDirectory(prefix="xltools-summary-out-")
    book, csv_path = Path(folder.name) / "summary.xlsx", Path(folder.name) / "export.csv"
    try:
        build_summary(desk, cid, book, csv_path if kind == ".csv" else None)
    except DeskError:
        folder.cleanup()
        raise
    desk.note(user, "summary", cid)
    name = say("page.summary_name", spec=spec_title(c.spec), year=c.year) + kind
    return download(book if kind == ".xlsx" else csv_path, name, folder)


@router.get("/c/{cid}/chase")
@signed_in
async def chase_page(request: Request, cid: str) -> Response:
    who = staff(request)
    desk = state(request).desk
    c = await run_in_threadpool(desk.collection, cid)
    rows = chase(await run_in_threadpool(desk.ledger, cid))
    return page("chase.html", staff=who, collection=c, rows=rows, contacts=contacts(c.spec))


def contacts(spec_id: str) -> list[tuple[str, str]]:
    """(field id, label) of the contacts the 催报 list shows, from the spec's sign-off block."""
    from xltools.desk.checking import contact_fields
    from xltools.spec import load_spec

    return [(f.id, f.label) for f in contact_fields(load_spec(spec_id))]


@router.get("/c/{cid}/chase.csv")
@signed_in
async def chase_csv(request: Request, cid: str) -> Response:
    staff(request)
    desk = state(request).desk
    c = await run_in_threadpool(desk.collection, cid)
    rows = chase(await run_in_threadpool(desk.ledger, cid))
    shown = contacts(c.spec)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([say(k) for k in ("col.region_code", "col.region", "col.status")] + [label for _, label in shown])
    for r in rows:
        cells = [r.region_code, r.region_name, say(f"status.{r.status}")] + [r.contact.get(f, "") for f, _ in shown]
        w.writerow([csv_safe(x) for x in cells])
    from urllib.parse import quote

    name = quote(say("page.chase") + f"_{cid}.csv")
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),  # with a BOM: Excel and WPS open it as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=\"chase_{cid}.csv\"; filename*=UTF-8''{name}"},
    )


@router.get("/c/{cid}/audit")
@signed_in
async def audit(request: Request, cid: str) -> Response:
    who = staff(request)
    desk = state(request).desk
    c = await run_in_threadpool(desk.collection, cid)
    return page("audit.html", staff=who, collection=c, entries=await run_in_threadpool(desk.audit, cid))


@router.post("/c/{cid}/close")
@signed_in
async def close(request: Request, cid: str) -> Response:
    who, _ = await checked_form(request)
    await run_in_threadpool(state(request).desk.close, cid, who.name)
    return RedirectResponse(f"/?c={cid}", status_code=303)
