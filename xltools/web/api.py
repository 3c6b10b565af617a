"""The bureau's API for its own scripts (DESIGN §14): ``Authorization: Bearer <admin_token>`` of the
collection. The county upload API is the county route itself (``Accept: application/json``)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xltools.web.app import state

router = APIRouter(prefix="/api")


def authorised(request: Request, cid: str) -> None:
    """401 without a bearer token, 403 with a wrong one (the same answer for a collection that does not exist)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401)
    if not state(request).desk.admin(cid, token.strip()):
        raise HTTPException(403)


@router.get("/collections/{cid}/ledger")
async def ledger(request: Request, cid: str) -> Response:
    authorised(request, cid)
    rows = await run_in_threadpool(state(request).desk.ledger, cid)
    return JSONResponse([r.to_dict() for r in rows])


@router.get("/collections/{cid}/summary.xlsx")
async def summary(request: Request, cid: str) -> Response:
    authorised(request, cid)
    from xltools.catalogue import say
    from xltools.desk import DeskError
    from xltools.web.bureau import summary_file

    try:
        return await run_in_threadpool(summary_file, request, cid, "api", ".xlsx")
    except DeskError as e:
        return JSONResponse({"error": e.detail, "message": say(f"desk.{e.detail}", **e.params)}, status_code=500)
