"""The city-wide rollup: every partition's log summed, per day, into the directory's database.

One projection per partition reads that partition's notification log and writes
`city_daily_totals` rows keyed by the partition, with its own position ("city:<key>")
in the directory's `projection_positions`: the rows and the position commit together in
the directory, so each partition's events count exactly once. The figures are those of
the per-office rollup (projections/rollups.py) summed over a partition's banks; moves
stay within one bank, so they leave a partition's totals unchanged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, delete, func, select, update

from projections.base import AnyEvent, Projection, add_to_rows, handles
from projections.runner import ProjectionFailed, ProjectionRunner, ProjectionStatus
from projections.tables import city_daily_totals, projection_positions
from timebank.domain.values import shanghai_date
from timebank.domain.volunteers import (
    CORRECTION,
    REDEMPTION,
    REDEMPTION_CANCELLED,
    SERVICE,
    Passbook,
    Volunteer,
)
from timebank.infrastructure.periodic import PeriodicWorker
from timebank.partitions import Partitions

log = logging.getLogger(__name__)

FIGURES = ("volunteers_net", "approved_minutes", "points_earned", "points_redeemed",
           "points_net")


class CityRollupProjection(Projection):
    tables = (city_daily_totals,)

    def __init__(self, partition: str) -> None:
        self.partition = partition
        self.name = f"city:{partition}"  # type: ignore[misc]
        self.begin_batch(None)  # type: ignore[arg-type]

    def begin_batch(self, conn: Connection) -> None:
        self._totals: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def end_batch(self, conn: Connection) -> None:
        add_to_rows(conn, city_daily_totals,
                    {(self.partition, day): increments for day, increments in self._totals.items()})
        self.begin_batch(conn)

    def _add(self, event: AnyEvent, **increments: int) -> None:
        totals = self._totals[shanghai_date(event.timestamp)]
        for name, amount in increments.items():
            totals[name] += amount

    @handles(Volunteer.Registered)
    def registered(self, conn: Connection, event: Volunteer.Registered) -> None:
        self._add(event, volunteers_net=1)

    @handles(Passbook.PointsCredited)
    def credited(self, conn: Connection, event: Passbook.PointsCredited) -> None:
        increments = {"points_net": event.points}
        if event.kind in (SERVICE, CORRECTION):
            increments.update(points_earned=event.points, approved_minutes=event.minutes)
        elif event.kind == REDEMPTION_CANCELLED:
            increments.update(points_redeemed=-event.points)
        self._add(event, **increments)

    @handles(Passbook.PointsDebited)
    def debited(self, conn: Connection, event: Passbook.PointsDebited) -> None:
        increments = {"points_net": -event.points}
        if event.kind == CORRECTION:
            increments.update(points_earned=-event.points, approved_minutes=event.minutes)
        elif event.kind == REDEMPTION:
            increments.update(points_redeemed=event.points)
        self._add(event, **increments)


class CityRollup:
    """Follows every partition's log (the directory's too) into the city table."""

    def __init__(self, partitions: Partitions) -> None:
        self.engine = partitions.directory.engine
        self.runners = {
            p.key: ProjectionRunner(p.app, self.engine, [CityRollupProjection(p.key)])
            for p in partitions.all()
        }

    def catch_up(self) -> int:
        applied = 0
        failures: list[str] = []
        for key, runner in self.runners.items():
            try:
                applied += runner.catch_up()
            except Exception:
                # One partition's outage must not stall the others' figures.
                log.exception("city rollup of partition %s failed; others carry on", key)
                failures.append(f"city:{key}")
        if failures:
            raise ProjectionFailed(failures)
        return applied

    def status(self) -> list[ProjectionStatus]:
        return [status for runner in self.runners.values() for status in runner.status()]

    def rebuild(self) -> None:
        """Drop each partition's city rows and replay its log, one partition at a time."""
        self.status()  # makes the position rows
        for key in self.runners:
            name = f"city:{key}"
            with self.engine.begin() as conn:
                # Writing the position first takes its lock, as the runner's batches do.
                conn.execute(update(projection_positions)
                             .where(projection_positions.c.name == name).values(position=0))
                conn.execute(delete(city_daily_totals)
                             .where(city_daily_totals.c.partition == key))
        self.catch_up()


def background_city_follower(city: CityRollup, interval: float = 0.5) -> PeriodicWorker:
    return PeriodicWorker("city-rollup", city.catch_up, interval)


def city_rollup(
    engine: Engine, date_from: date | None = None, date_to: date | None = None
) -> dict[str, Any]:
    """City totals and each partition's: flows within [from, to], stocks as of `to`."""
    t = city_daily_totals
    in_range = [t.c.day <= date_to] if date_to else []
    bounds = ([t.c.day >= date_from] if date_from else []) + in_range

    def flow(column: Any) -> Any:
        if not bounds:
            return func.coalesce(func.sum(column), 0)
        return func.coalesce(func.sum(case((and_(*bounds), column), else_=0)), 0)

    with engine.connect() as conn:
        rows = conn.execute(
            select(
                t.c.partition,
                func.coalesce(func.sum(t.c.volunteers_net), 0),
                flow(t.c.approved_minutes),
                flow(t.c.points_earned),
                flow(t.c.points_redeemed),
                func.coalesce(func.sum(t.c.points_net), 0),
            ).where(*in_range).group_by(t.c.partition).order_by(t.c.partition)
        ).all()
    partitions = {row[0]: dict(zip(FIGURES, (int(v) for v in row[1:]), strict=True))
                  for row in rows}
    total = {name: sum(p[name] for p in partitions.values()) for name in FIGURES}
    return {"total": total, "partitions": partitions}
