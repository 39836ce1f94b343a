"""Administration from the pages, each a screen with its list and its forms, calling the same
commands (and so the same permission rules) as the API:

- `/staff/admin`: the office tree — open, rename, close — and new staff accounts;
- `/staff/admin/rules`: a bank's point rules and category multipliers, in force from the
  moment chosen (now, or announced ahead and withdrawable until then; hours approved
  afterwards earn under them);
- `/staff/shop`: a savings office's kiosks (a new kiosk's key shown once, revocation) and
  its catalog (add, reprice, restock or adjust with a reason).

Outcomes come back as codes after a redirect; a kiosk's key is shown in the answer to the
form that made it, never in an address.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read
from api.errors import STATUS_BY_CODE
from api.web.coordinator_pages import operated_office, switchable_offices
from api.web.error_pages import error_page
from api.web.form_values import local_datetime, local_input, optional_int, refusal_text
from api.web.i18n import language_of
from api.web.people_pages import redirect_to_login, staff_actor, staff_posting
from api.web.rendering import render
from api.web.sessions import (
    gathered,
    page_engine,
    page_runner,
    page_services,
    use_partition,
)
from projections import kiosk_queries, page_queries
from timebank.application.authz import ADMINISTRATION
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, utc_now
from timebank.domain.vocabulary import OFFICE_KIND, SERVICE_CATEGORY

router = APIRouter(include_in_schema=False)

CHILD_KIND = {"bank": "branch", "branch": "savings_office"}
DONE = ("opened", "renamed", "closed", "staff_created", "rules_changed", "rules_announced",
        "rules_withdrawn", "kiosk_revoked", "item_listed", "item_changed")


def _done(code: str) -> str:
    return code if code in DONE else ""


# -- offices and staff ------------------------------------------------------------------------
def _admin(request: Request, actor: Any, *, status: int = 200, error: str | None = None,
           done: str = "", form: dict[str, str] | None = None) -> Response:
    services = page_services(request)
    try:
        scope = services.read_scope(actor, ADMINISTRATION)
    except DomainError as exc:
        return error_page(request, exc)
    # A system administrator's tree: every partition's banks, the directory's first.
    offices = gathered(request, actor, lambda p: page_queries.office_tree(p.engine, scope))
    open_offices = [o for o in offices if not o["closed"]]
    return render(request, "admin.html", status, offices=offices, error=error,
                  done=_done(done), form=form or {},
                  parents=[o for o in open_offices if o["kind"] in CHILD_KIND],
                  staff_offices=open_offices, child_kind=CHILD_KIND,
                  banks=[o for o in offices if o["kind"] == "bank"])


@router.get("/staff/admin", response_class=HTMLResponse)
def administration(request: Request, done: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return _admin(request, actor, done=done)


@router.post("/staff/admin", response_class=HTMLResponse)
def administer(
    request: Request,
    action: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    office_id: Annotated[str, Form(max_length=64)] = "",
    parent_id: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    role: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    try:
        if action == "open":
            parent = services.load_office(parent_id) if parent_id else None
            kind = CHILD_KIND.get(parent.kind, "") if parent is not None else "bank"
            if kind not in OFFICE_KIND:
                raise DomainError("invalid_parent")
            services.open_office(actor, name, kind, parent_id or None)
            done = "opened"
        elif action == "rename":
            services.rename_office(actor, office_id, name, reason)
            done = "renamed"
        elif action == "close":
            services.close_office(actor, office_id, reason)
            done = "closed"
        elif action == "staff":
            services.create_user(actor, username, password, role, office_id or None)
            done = "staff_created"
        else:
            raise DomainError("invalid_input", "Unknown action.", field="action")
    except DomainError as exc:
        # The password is never sent back into the page.
        form = {"action": action, "office_id": office_id, "parent_id": parent_id, "name": name,
                "reason": reason, "username": username, "role": role}
        return _admin(request, actor, status=STATUS_BY_CODE.get(exc.code, 400),
                      error=refusal_text(request, exc), form=form)
    return RedirectResponse("/staff/admin?" + urlencode({"done": done}), status_code=303)


# -- point rules ------------------------------------------------------------------------------
def _rules(request: Request, actor: Any, bank_id: str, *, status: int = 200,
           form: dict[str, str] | None = None,
           error: str | None = None, done: str = "") -> Response:
    services = page_services(request)
    try:
        scope = services.read_scope(actor, ADMINISTRATION)
        banks = [o for o in gathered(request, actor,
                                     lambda p: page_queries.office_tree(p.engine, scope))
                 if o["kind"] == "bank"]
        chosen = bank_id or (banks[0]["id"] if banks else "")
        if chosen and not bank_id:  # the first bank listed, wherever it lives
            services = use_partition(request, chosen).app
        if not chosen:  # a branch admin: the bank above, read only
            office = services.read_office(actor, actor.office_id)
            chosen = str(services.bank_of(office).id)
        bank = services.bank_of(services.read_office(actor, chosen))
    except DomainError as exc:
        return error_page(request, exc)
    lang = language_of(request)
    in_force, announced = bank.rules_in_force(), bank.announced_rules()
    known = [*in_force.category_multipliers, *(c for r in announced
                                               for c in r.category_multipliers)]
    typed = form or {}
    rows = [(code, label, typed.get(f"m_{code}", in_force.category_multipliers.get(code, "")))
            for code, label in SERVICE_CATEGORY.choices(lang, known)]
    return render(request, "admin_rules.html", status, bank=bank, banks=banks, rows=rows,
                  in_force=in_force, announced=announced, tz=SHANGHAI,
                  per_hour=typed.get("points_per_hour", in_force.points_per_hour),
                  effective_from=typed.get("effective_from", ""),
                  soonest=local_input(utc_now()), error=error, done=_done(done))


@router.get("/staff/admin/rules", response_class=HTMLResponse)
def point_rules(request: Request, bank_id: str = "", done: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return _rules(request, actor, bank_id, done=done)


@router.post("/staff/admin/rules", response_class=HTMLResponse)
async def change_point_rules(request: Request) -> Response:
    form = await request.form()
    csrf = str(form.get("csrf", ""))
    actor = staff_posting(request, csrf)
    services = page_services(request)
    bank_id = str(form.get("bank_id", ""))[:64]
    typed = {key: str(value)[:40] for key, value in form.multi_items()
             if key.startswith("m_") or key in ("points_per_hour", "effective_from")}
    try:
        if form.get("action") == "withdraw":
            version = optional_int(str(form.get("version", ""))[:10], "version") or 0
            services.cancel_point_rules_change(actor, bank_id, version,
                                               str(form.get("reason", ""))[:500])
            done = "rules_withdrawn"
        else:
            per_hour = optional_int(typed.get("points_per_hour", ""), "points_per_hour")
            multipliers: dict[str, str] = {}
            for key, value in typed.items():
                if key.startswith("m_") and value.strip():
                    try:
                        multipliers[key[2:52]] = str(Decimal(value.strip()[:10]))
                    except InvalidOperation as exc:
                        raise DomainError("invalid_point_rules", field="point_rules") from exc
            when = typed.get("effective_from", "").strip()
            services.change_point_rules(
                actor, bank_id, per_hour or 0, multipliers,
                local_datetime(when, "effective_from") if when else None)
            done = "rules_announced" if when else "rules_changed"
    except DomainError as exc:
        return _rules(request, actor, bank_id, status=STATUS_BY_CODE.get(exc.code, 400),
                      error=refusal_text(request, exc), form=typed)
    return RedirectResponse("/staff/admin/rules?" + urlencode(
        {"bank_id": bank_id, "done": done}), status_code=303)


# -- the charity shop: kiosks and catalog -------------------------------------------------------
def _shop(request: Request, actor: Any, office_id: str, *, status: int = 200,
          error: str | None = None, done: str = "", new_key: str = "",
          new_kiosk: str = "", rotated: bool = False,
          replaced_until: datetime | None = None) -> Response:
    try:
        office = operated_office(request, actor, office_id)
        switch_offices = switchable_offices(request, actor)
    except DomainError as exc:
        return error_page(request, exc)
    engine = page_engine(request)
    catch_up_for_read(page_runner(request))
    return render(request, "admin_shop.html", status, keep_query={"office_id": str(office.id)},
                  office=office, kiosks=kiosk_queries.office_kiosks(engine, str(office.id)),
                  catalog=kiosk_queries.catalog(engine, str(office.id), only_active=False),
                  switch_offices=switch_offices,
                  error=error, done=_done(done), new_key=new_key, new_kiosk=new_kiosk,
                  rotated=rotated,
                  replaced_until=(replaced_until.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
                                  if replaced_until else ""))


@router.get("/staff/shop", response_class=HTMLResponse)
def shop(request: Request, office_id: str = "", done: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return _shop(request, actor, office_id, done=done)


@router.post("/staff/shop", response_class=HTMLResponse)
def change_shop(
    request: Request,
    action: Annotated[str, Form(max_length=20)],
    office_id: Annotated[str, Form(max_length=64)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    kiosk_id: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    sku: Annotated[str, Form(max_length=40)] = "",
    points: Annotated[str, Form(max_length=10)] = "",
    stock: Annotated[str, Form(max_length=10)] = "",
    restock: Annotated[str, Form(max_length=10)] = "",
    grace_hours: Annotated[str, Form(max_length=10)] = "24",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    try:
        if action == "kiosk":
            kiosk, key = services.register_kiosk(actor, office_id, name)
            # The key is shown once, in this answer, and stored hashed.
            return _shop(request, actor, office_id, new_key=key, new_kiosk=kiosk.name)
        if action == "rotate":
            grace = timedelta(hours=optional_int(grace_hours, "grace_hours") or 0)
            kiosk, key = services.rotate_kiosk_key(actor, kiosk_id, grace, reason.strip())
            # Like a new kiosk's, the new key is shown once, in this answer; the page says
            # until when the key it replaced works (with grace it is the newest replaced one).
            return _shop(request, actor, office_id, new_key=key, new_kiosk=kiosk.name,
                         replaced_until=kiosk.retired_keys[-1][1] if grace else None,
                         rotated=True)
        if action == "revoke":
            services.revoke_kiosk(actor, kiosk_id, reason.strip() or "停用")
            done = "kiosk_revoked"
        elif action == "item":
            services.list_catalog_item(actor, office_id, sku, name,
                                       optional_int(points, "points") or 0,
                                       optional_int(stock, "stock") or 0)
            done = "item_listed"
        elif action == "update":
            services.update_catalog_item(actor, office_id, sku,
                                         points=optional_int(points, "points"),
                                         restock=optional_int(restock, "restock"),
                                         stock=optional_int(stock, "stock"),
                                         reason=reason.strip())
            done = "item_changed"
        else:
            raise DomainError("invalid_input", "Unknown action.", field="action")
    except DomainError as exc:
        return _shop(request, actor, office_id, status=STATUS_BY_CODE.get(exc.code, 400),
                     error=refusal_text(request, exc))
    return RedirectResponse("/staff/shop?" + urlencode({"office_id": office_id, "done": done}),
                            status_code=303)
