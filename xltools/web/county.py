"""A county's pages, reached by its secret link only: the template, uploads, findings, versions, reviews."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from xltools.catalogue import say
from xltools.desk import Access, DeskError
from xltools.desk.checking import Checked
from xltools.web.app import MB, state, wants_json
from xltools.web.pages import page
from xltools.web.uploads import receive

router = APIRouter()
REFUSED = {"closed": 403, "busy": 409, "check_failed": 503, "too_many_versions": 429}  # DeskError -> HTTP
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def access(request: Request, token: str) -> Access:
    found = state(request).desk.link(token)
    if found is None:
        raise HTTPException(404)
    return found


def spec_title(spec_id: str) -> str:
    from xltools.spec import load_spec

    return load_spec(spec_id).title


def download(path: Path, name: str, folder: Any = None) -> FileResponse:
    """A file to save as ``name`` (UTF-8 name for browsers, an ASCII one for the rest)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "", name) or "download.xlsx"  # nothing that ends the header's quotes
    headers = {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}
    cleanup = BackgroundTask(folder.cleanup) if folder is not None else None
    return FileResponse(path, media_type=XLSX if name.endswith(".xlsx") else None, headers=headers, background=cleanup)


@router.get("/r/{token}")
async def county_page(request: Request, token: str, v: int | None = None) -> Response:
    a = access(request, token)
    return await run_in_threadpool(_county_page, request, a, token, v)


def _county_page(
    request: Request, a: Access, token: str, shown: int | None, result: dict[str, Any] | None = None, error: str = ""
) -> Response:
    desk = state(request).desk
    c, link = a.collection, a.link
    versions = desk.versions(c.id, link.region_code)
    reviews = desk.reviews(c.id, link.region_code)
    latest_review, latest_review_version = None, None
    for n, rs in reviews.items():
        if latest_review is None or rs[-1].at >= latest_review.at:
            latest_review, latest_review_version = rs[-1], n
    if result is None and shown is not None:
        v = next((x for x in versions if x.number == shown), None)
        if v is not None:
            result = _result(v.number, v.status, v.report, v.diff)
    return page(
        "county.html",
        200 if not error else 400,
        collection=c,
        link=link,
        token=token,
        spec_title=spec_title(c.spec),
        closed=a.closed,
        versions=versions,
        reviews=reviews,
        latest_review=latest_review,
        latest_review_version=latest_review_version,
        result=result,
        error=error,
    )


def _result(number: int | None, status: str, report: str, diff: str | None, file: str = "") -> dict[str, Any]:
    return {
        "number": number,
        "status": status,
        "findings": json.loads(report)["findings"],
        "diff": json.loads(diff) if diff else None,
        "file": file,
    }


@router.get("/r/{token}/template")
async def template(request: Request, token: str) -> Response:
    a = access(request, token)
    return await run_in_threadpool(_template, request, a)


def _template(request: Request, a: Access) -> Response:
    from xltools.spec import load_spec
    from xltools.template import build_template
    from xltools.template.build import template_name

    c = a.collection
    spec = load_spec(c.spec)
    region = spec.regions.find(a.link.region_code)
    targets = json.loads(c.targets) if c.targets else None
    folder = tempfile.TemporaryDirectory(prefix="xltools-template-")
    name = template_name(spec, c.year, region)
    path = build_template(spec, Path(folder.name) / "template.xlsx", c.year, region, targets=targets)
    return download(path, name, folder)


async def _receive(request: Request, a: Access) -> tuple[Any, Any, Response | None]:
    """The upload in a private folder, or the response refusing it."""
    settings = state(request).settings
    if a.closed:
        return None, None, refuse(request, a, 403, say("desk.closed", collection=a.collection.id), "closed")
    settings.work.mkdir(parents=True, exist_ok=True)
    folder = tempfile.TemporaryDirectory(prefix="up-", dir=settings.work)
    try:
        upload = await receive(request, Path(folder.name), settings.max_upload, settings.hard_limit)
    except ClientDisconnect:  # the client went away mid-body: nothing kept, nobody to answer
        folder.cleanup()
        return None, None, Response(status_code=400)
    except BaseException:
        folder.cleanup()
        raise
    upload.name = upload.name or "upload.xlsx"  # a part without a file name: never the server's own path
    if upload.over:
        folder.cleanup()
        text = say("desk.too_large", limit=settings.max_upload // MB)
        return None, None, refuse(request, a, 413, text, "too_large", close=True)
    if upload.path is None:
        folder.cleanup()
        key = "desk.bad_form" if upload.malformed else "desk.no_file"
        return None, None, refuse(request, a, 400, say(key), key.split(".")[1])
    return folder, upload, None


def refuse(request: Request, a: Access, status: int, text: str, code: str, close: bool = False) -> Response:
    headers = {"Connection": "close"} if close else None
    if wants_json(request):
        return JSONResponse({"error": code, "message": text}, status_code=status, headers=headers)
    response = _county_page(request, a, "", None, error=text) if status != 403 else None
    if response is None:
        from xltools.web.pages import message

        response = message("page.error_title", text, status)
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


@router.post("/r/{token}/returns")
async def upload(request: Request, token: str) -> Response:
    a = access(request, token)
    folder, up, refused = await _receive(request, a)
    if refused is not None:
        return refused
    try:
        version, checked = await run_in_threadpool(_submit, request, a, up.path, up.name)
    except DeskError as e:
        status = REFUSED.get(e.detail, 409)
        return refuse(request, a, status, say(f"desk.{e.detail}", **e.params), e.detail)
    finally:
        folder.cleanup()
    if wants_json(request):
        return JSONResponse({"version": version.number, "report": checked.report.to_dict("zh")}, status_code=201)
    return RedirectResponse(f"/r/{token}?v={version.number}#result", status_code=303)


def _submit(request: Request, a: Access, path: Path, name: str) -> tuple[Any, Checked]:
    s = state(request)
    for attempt in range(3):
        try:
            return s.desk.submit(a, path, name, s.checker.check)  # type: ignore[no-any-return]
        except DeskError as e:
            if e.detail != "busy" or attempt == 2:
                raise
    raise AssertionError("unreachable")


@router.post("/r/{token}/check")
async def check_only(request: Request, token: str) -> Response:
    """Check a file without submitting it: no version is recorded."""
    a = access(request, token)
    folder, up, refused = await _receive(request, a)
    if refused is not None:
        return refused
    try:
        checked = await run_in_threadpool(_check, request, a, up.path, up.name)
    finally:
        folder.cleanup()
    if wants_json(request):
        return JSONResponse({"version": None, "report": checked.report.to_dict("zh")})
    result = _result(
        None, checked.status, checked.report_json("zh"), json.dumps(checked.diff) if checked.diff else None
    )
    result["file"] = up.name
    return await run_in_threadpool(_county_page, request, a, token, None, result)


def _check(request: Request, a: Access, path: Path, name: str) -> Checked:
    s = state(request)
    return s.desk.check(a, path, name, s.checker.check)  # type: ignore[no-any-return]


@router.get("/r/{token}/returns/{number}/annotated")
async def annotated(request: Request, token: str, number: int) -> Response:
    a = access(request, token)
    return await run_in_threadpool(annotated_copy, request, a, number)


def annotated_copy(request: Request, a: Access, number: int) -> Response:
    """The annotated copy of one version of ``a``'s region (404 when there is none to give)."""
    s = state(request)
    try:
        v = s.desk.version(a.collection.id, a.link.region_code, number)
    except (DeskError, OverflowError):
        raise HTTPException(404) from None
    folder = tempfile.TemporaryDirectory(prefix="xltools-annotated-")
    out = s.desk.annotated(a, v, Path(folder.name), s.checker.check)
    if out is None:
        folder.cleanup()
        raise HTTPException(404)
    stem = Path(v.file_name).stem or a.link.region_code
    return download(out, say("page.annotated_name", stem=stem, number=v.number), folder)
