"""信息公开: a fund's public page — income by donor type, grants, spending, the checkpoint."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import catch_up_for_read
from api.web.rendering import render, yuan
from projections import audit_queries, fund_queries
from timebank.domain.checkpoints import Checkpoint
from timebank.domain.errors import DomainError

router = APIRouter(include_in_schema=False)

DONOR_TYPES_ZH = {"government": "政府资助", "enterprise": "企业捐赠", "individual": "个人捐赠",
                  "resident": "居民自筹", "bazaar": "公益集市"}
GRANT_STATUS_ZH = {"proposed": "待表决", "approved": "已批准", "rejected": "未通过",
                   "closed": "已结项", "cancelled": "已取消"}


@router.get("/transparency/funds/{fund_id}", response_class=HTMLResponse)
def fund_page(request: Request, fund_id: str) -> HTMLResponse:
    runtime = request.app.state.runtime
    runner = request.app.state.runner
    try:
        fund = runtime.app.load_fund(fund_id)
    except DomainError:
        return HTMLResponse("<h1>404</h1>", status_code=404)
    catch_up_for_read(runner)
    figures = fund_queries.transparency(runtime.engine, str(fund.id))
    checkpoint = None
    latest = audit_queries.latest_checkpoint_id(runtime.engine)
    if latest:
        checkpoint = runtime.app.load(Checkpoint, latest)
    return render(request, "transparency.html", fund=fund, figures=figures,
                  checkpoint=checkpoint, yuan=yuan, donor_types=DONOR_TYPES_ZH,
                  grant_status=GRANT_STATUS_ZH)


@router.get("/transparency/checkpoints", response_class=HTMLResponse)
def checkpoints_page(request: Request) -> HTMLResponse:
    """账本校验点公示: every signed checkpoint, newest first, for anyone to keep — a copy
    of the anchor a database writer cannot reach once it has been published."""
    runtime = request.app.state.runtime
    catch_up_for_read(request.app.state.runner)
    checkpoints = audit_queries.exported_checkpoints(runtime.engine, runtime.app)
    return render(request, "checkpoints.html", checkpoints=list(reversed(checkpoints)))


@router.get("/transparency/checkpoints.jsonl")
def checkpoints_file(request: Request) -> Response:
    """The same, as the anchor file `timebank audit verify --anchor` reads."""
    runtime = request.app.state.runtime
    catch_up_for_read(request.app.state.runner)
    lines = [json.dumps(c, sort_keys=True)
             for c in audit_queries.exported_checkpoints(runtime.engine, runtime.app)]
    return Response("".join(line + "\n" for line in lines), media_type="application/jsonl",
                    headers={"Content-Disposition": 'attachment; filename="checkpoints.jsonl"'})
