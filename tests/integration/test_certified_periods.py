"""The service a certificate lists: a period of Shanghai dates, bounded in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from projections import queries
from projections.runner import ProjectionRunner
from tests.helpers import District
from timebank.domain.actors import SYSTEM


def serve_at(d: District, volunteer, start: datetime, minutes: int, approve: bool = True):
    activity = d.app.plan_activity(SYSTEM, d.office.id, f"活动{start:%H%M}", "elderly_care",
                                   start, start + timedelta(minutes=minutes), "活动室")
    record = d.app.enter_service_record(SYSTEM, volunteer.id, activity.id, start,
                                        start + timedelta(minutes=minutes), "")
    if approve:
        d.app.approve_service_record(SYSTEM, record.id)
    return record


def test_a_period_is_cut_at_shanghai_midnight(services, runner: ProjectionRunner) -> None:
    d = District.build(services)
    volunteer, other = d.volunteer(), d.volunteer(name="李四")
    # 23:30 on 31 March in Shanghai is 15:30 UTC; 00:10 on 1 April is 16:10 UTC on 31 March.
    serve_at(d, volunteer, datetime(2026, 3, 31, 15, 30, tzinfo=UTC), 30)
    serve_at(d, volunteer, datetime(2026, 3, 31, 16, 10, tzinfo=UTC), 45)
    serve_at(d, volunteer, datetime(2026, 3, 1, 0, 0, tzinfo=UTC), 60)
    serve_at(d, volunteer, datetime(2026, 3, 15, 2, 0, tzinfo=UTC), 90, approve=False)
    serve_at(d, other, datetime(2026, 3, 20, 2, 0, tzinfo=UTC), 120)
    runner.catch_up()

    march = queries.approved_services(runner.engine, str(volunteer.id),
                                      date(2026, 3, 1), date(2026, 3, 31))
    assert [(line["date"], line["minutes"]) for line in march] == [
        ("2026-03-01", 60), ("2026-03-31", 30)]
    april = queries.approved_services(runner.engine, str(volunteer.id),
                                      date(2026, 4, 1), date(2026, 4, 30))
    assert [(line["date"], line["minutes"]) for line in april] == [("2026-04-01", 45)]
    one_day = queries.approved_services(runner.engine, str(volunteer.id),
                                        date(2026, 3, 31), date(2026, 3, 31))
    assert [line["minutes"] for line in one_day] == [30]
    assert one_day[0]["activity"] == "活动1530" and one_day[0]["place"] == "活动室"
