"""信息公开: a fund's public page — income by donor type, grants, spending, the checkpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import catch_up_for_read
from api.web.rendering import render, yuan
from api.web.sessions import page_runner, use_partition
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
    partition = use_partition(request, fund_id)  # public: the fund's own bank's books
    runner = page_runner(request)
    try:
        fund = partition.app.load_fund(fund_id)
    except DomainError:
        return HTMLResponse("<h1>404</h1>", status_code=404)
    catch_up_for_read(runner)
    figures = fund_queries.transparency(partition.engine, str(fund.id))
    checkpoint = None
    latest = audit_queries.latest_checkpoint_id(partition.engine)
    if latest:
        checkpoint = partition.app.load(Checkpoint, latest)
    return render(request, "transparency.html", fund=fund, figures=figures,
                  checkpoint=checkpoint, yuan=yuan, donor_types=DONOR_TYPES_ZH,
                  grant_status=GRANT_STATUS_ZH)
