"""An aggregate handed out for change is a copy that shares only what never changes in place
(timebank/application/repository.py), and the app's own `save` stores what the library's
would (timebank/application/app.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from tests.memory import memory_app
from timebank.application.repository import _copy
from timebank.domain.actors import SYSTEM
from timebank.domain.offices import Office


class Sample(Aggregate):
    @event("Made")
    def __init__(self, owner: UUID, at: datetime) -> None:
        self.owner = owner
        self.at = at
        self.tags: list[str] = ["a"]
        self.by_day: dict[str, list[datetime]] = {"mon": [at]}
        self.window: tuple[datetime, datetime] = (at, at + timedelta(hours=1))

    @event("Tagged")
    def tag(self, tag: str) -> None:
        self.tags.append(tag)
        self.by_day["mon"].append(self.at)


def test_a_copy_shares_immutable_values_and_owns_its_containers() -> None:
    at = datetime(2026, 12, 4, 8, tzinfo=UTC)
    original = Sample(uuid4(), at)
    original.collect_events()
    copied: Any = _copy(original)
    assert copied is not original and copied.id == original.id
    assert copied.owner is original.owner and copied.at is original.at
    assert copied.window[0] is original.window[0]
    assert copied.tags is not original.tags and copied.by_day["mon"] is not original.by_day["mon"]
    copied.tag("b")
    assert original.tags == ["a"] and original.by_day == {"mon": [at]}
    assert copied.tags == ["a", "b"] and copied.version == original.version + 1
    assert original.collect_events() == [] and len(copied.collect_events()) == 1


def test_save_stores_aggregates_and_events_in_the_order_given() -> None:
    app = memory_app()
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    office = app.repository.get(bank.id)
    office.rename("示范区公益银行（新）", SYSTEM.record())
    other = Sample(uuid4(), datetime(2026, 12, 4, tzinfo=UTC))
    made = other.collect_events()
    other.tag("x")
    recordings = app.save(office, None, *made, other)
    assert [type(r.domain_event).__name__ for r in recordings] == ["Renamed", "Made", "Tagged"]
    stored: Office = app.repository.get(bank.id)
    assert stored.name == "示范区公益银行（新）"
    assert app.repository.get(other.id).tags == ["a", "x"]
