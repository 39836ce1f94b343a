"""The aggregate cache under threads: a cached aggregate is never brought up to date by one
thread while another copies it (issue 17, item 3: "dictionary changed size during
iteration", a 500 on a hot fund)."""

from __future__ import annotations

import copy
import threading

import eventsourcing.application

from tests.memory import memory_app
from timebank.domain.actors import SYSTEM


def test_a_cached_aggregate_is_not_fast_forwarded_while_another_thread_copies_it(
    monkeypatch,
) -> None:
    app = memory_app()
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    app.repository.get(bank.id)  # cached
    stale = app.repository.get(bank.id)
    stale.rename("示范区公益银行（新）", SYSTEM.record())  # stored later, behind the cache's back

    copying, release = threading.Event(), threading.Event()
    seen: dict[str, int] = {}
    real_deepcopy = copy.deepcopy

    def slow_first_copy(obj, *args, **kwargs):
        if getattr(obj, "id", None) == bank.id and not copying.is_set():
            seen["before"] = obj.version
            copying.set()
            release.wait(10)
            seen["after"] = obj.version  # still the state the copy began with?
        return real_deepcopy(obj, *args, **kwargs)

    monkeypatch.setattr(eventsourcing.application, "deepcopy", slow_first_copy)
    results: dict[str, int] = {}
    first = threading.Thread(
        target=lambda: results.__setitem__("first", app.repository.get(bank.id).version))
    first.start()
    assert copying.wait(10)
    app.save(stale)  # a new event the cached aggregate has not seen
    second = threading.Thread(
        target=lambda: results.__setitem__("second", app.repository.get(bank.id).version))
    second.start()
    second.join(1.0)  # without the fix it fast-forwards the cached fund during the copy
    release.set()
    first.join(10)
    second.join(10)

    assert seen["after"] == seen["before"], "the cached aggregate changed during a copy"
    assert results == {"first": seen["before"], "second": stale.version}
