"""Seeds a schema for `benchmarks/serving.py` and writes the requests wrk sends.

    python benchmarks/http_seed.py URL SCHEMA SECRET OUT_DIR [SCALE]

Run as a script with the source tree to seed with first on PYTHONPATH: this tree, or an
older commit checked out into a temporary folder (so each server is seeded by its own
code). It uses only what every version since 01a9f90 offers, and imports nothing but
`timebank`.

Writes, one request a line (`METHOD<TAB>PATH<TAB>header: value<US>…<TAB>BODY`):
- scans.txt: each volunteer checks in to an activity, out of it, in to the next, so every
  scan should succeed (a volunteer's steps are far more requests apart than are in flight);
- approvals.txt: approving pending service records, one each, as an administrator;
- redemptions.txt: a kiosk redeeming one item for volunteers with points, each with its own
  Idempotency-Key.
And floor.json: what the floor server needs to know (benchmarks/floor.py).
"""

from __future__ import annotations

import inspect
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from timebank.domain.actors import SYSTEM
from timebank.domain.values import gb11643_check_digit
from timebank.runtime import build_runtime
from timebank.settings import Settings

US = "\x1f"
PIN = "864209"  # not a weak PIN by any rule


def line(method: str, path: str, headers: dict[str, str], body: object | None) -> str:
    text = "" if body is None else json.dumps(body, ensure_ascii=False)
    return "\t".join((method, path, US.join(f"{k}: {v}" for k, v in headers.items()), text))


def issue(signer: object, subject: str, kind: str, app: object) -> str:
    """A bearer token as the tree's own login issues it (later trees add claims)."""
    issue_for = getattr(app, "issue_token_for", None)
    if issue_for is not None:
        return issue_for(subject, kind)
    return signer.issue(subject, kind)  # type: ignore[attr-defined]


def main() -> None:
    url, schema, secret, out = sys.argv[1:5]
    scale = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        var_dir=out_dir / "var", database_url=url, database_schema=schema, secret_key=secret,
    )
    runtime = build_runtime(settings)
    app = runtime.app
    try:
        bank = app.open_office(SYSTEM, "基准区公益银行", "bank", None)
        branch = app.open_office(SYSTEM, "街道", "branch", bank.id)
        office = app.open_office(SYSTEM, "储蓄所", "savings_office", branch.id)
        register = inspect.signature(app.register_volunteer)
        people = []
        for n in range(400 * scale):
            body = f"11010519800101{n % 1000:03d}"
            args = [SYSTEM, "志愿者", f"139{n:08d}", body + gb11643_check_digit(body),
                    office.id, PIN]
            people.append(app.register_volunteer(*args[: len(register.parameters)]))
        start = datetime.now(UTC) - timedelta(hours=1)
        end = start + timedelta(hours=8)
        activities = [app.plan_activity(SYSTEM, office.id, f"活动 {n}", "general", start, end,
                                        "活动室") for n in range(8 * scale)]
        tokens = {v.id: issue(runtime.signer, str(v.id), "volunteer", app) for v in people}
        scans = []
        for activity in activities:
            codes = {a: app.scan_token(SYSTEM, activity.id, a) for a in ("check_in", "check_out")}
            for action in ("check_in", "check_out"):
                for volunteer in people:
                    scans.append(line("POST", "/api/v1/scans", {
                        "Authorization": f"Bearer {tokens[volunteer.id]}",
                        "Content-Type": "application/json"}, {"token": codes[action]}))
        (out_dir / "scans.txt").write_text("\n".join(scans) + "\n")

        admin, _ = app.ensure_admin("bench-admin", "bench-admin-password")
        admin_token = issue(runtime.signer, str(admin.id), "user", app)
        # Pending records to approve: the first 200 volunteers, one record in each of eight
        # past activities per scale (a quiet machine approves about 350 a second: two servers
        # of this tree, each 7 s, must not run out and come round to refusals).
        past = start - timedelta(days=1)
        approvals = []
        for n in range(8 * scale):
            activity = app.plan_activity(SYSTEM, office.id, f"旧活动 {n}", "general", past,
                                         past + timedelta(hours=8), "活动室")
            for volunteer in people[:200]:
                record = app.enter_service_record(
                    SYSTEM, volunteer.id, activity.id, past, past + timedelta(hours=2), "")
                approvals.append(line(
                    "POST", f"/api/v1/service-records/{record.id}/approve",
                    {"Authorization": f"Bearer {admin_token}"}, None))
        (out_dir / "approvals.txt").write_text("\n".join(approvals) + "\n")

        # Points to spend: the last 200 volunteers have 80 each (one 8-hour attendance).
        spenders = people[-200:]
        rich = app.plan_activity(SYSTEM, office.id, "长活动", "general", past,
                                 past + timedelta(hours=8), "活动室")
        for volunteer in spenders:
            record = app.enter_service_record(
                SYSTEM, volunteer.id, rich.id, past, past + timedelta(hours=8), "")
            app.approve_service_record(SYSTEM, record.id)
        # Twenty items: a kiosk sells one thing at a time, and sixteen clients taking from one
        # item would measure its conflicts (and retried PIN checks), not a redemption.
        skus = [f"ITEM{n}" for n in range(20)]
        for sku in skus:
            app.list_catalog_item(SYSTEM, office.id, sku, "香皂", 1, 10**6)
        kiosk, key = app.register_kiosk(SYSTEM, office.id, "1 号机")
        redemptions = [
            line("POST", "/api/v1/kiosk/redemptions", {
                "X-Kiosk-Key": key, "Idempotency-Key": f"bench-{n}",
                "Content-Type": "application/json"},
                {"passbook_no": spenders[n % len(spenders)].passbook_no, "pin": PIN,
                 "items": [{"sku": skus[n % len(skus)], "quantity": 1}]})
            # Ten per spender per scale (at most 80: their points). Each a fresh idempotency
            # key: a key sent again is answered from its record without the PIN check, and
            # would make redemptions look cheap.
            for n in range(min(10 * scale, 80) * len(spenders))
        ]
        (out_dir / "redemptions.txt").write_text("\n".join(redemptions) + "\n")
        (out_dir / "floor.json").write_text(json.dumps({
            "office_id": str(office.id), "kiosk_id": str(kiosk.id),
            "events_table": app.recorder.events_table_name,
        }))
        # The projections brought up to the seed's last event here, so that no server
        # measured (its in-process follower, or a worker beside it) replays the seed while
        # its requests are timed: that was charged to the requests, unevenly.
        from projections.runner import ProjectionRunner

        ProjectionRunner(app, runtime.engine).catch_up()
        print(f"seeded {len(people)} volunteers, {len(scans)} scans, {len(approvals)} "
              f"approvals, {len(redemptions)} redemptions (projected)", flush=True)
    finally:
        runtime.close()


if __name__ == "__main__":
    main()
