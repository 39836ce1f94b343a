"""The projection worker's loop (projections/worker.py): after a ring it waits a moment more,
so that the writes of that moment are applied as one page; a quiet interval does not."""

from __future__ import annotations

from projections.worker import GATHER_SECONDS, follow


class Bell:
    """Rings (or stays quiet) as scripted, one answer per wait."""

    listening = True

    def __init__(self, rings: list[bool]) -> None:
        self.rings = rings
        self.marks = 0

    def mark(self) -> int:
        self.marks += 1
        return self.marks

    def wait(self, mark: int, timeout: float) -> bool:
        return self.rings.pop(0)


class Stop:
    """Stops once the bell's script has run out; records every wait asked of it."""

    def __init__(self, bell: Bell) -> None:
        self.bell = bell
        self.waits: list[float] = []

    def is_set(self) -> bool:
        return not self.bell.rings

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def test_a_ring_is_followed_by_a_moment_of_gathering_and_a_quiet_interval_is_not() -> None:
    bell = Bell([True, False, True])
    stop = Stop(bell)
    caught_up: list[int] = []
    follow(lambda: caught_up.append(bell.marks), bell, stop)  # type: ignore[arg-type]
    assert caught_up == [1, 2, 3]  # each round marks the bell, then catches up
    assert stop.waits == [GATHER_SECONDS, GATHER_SECONDS]  # after the two rings only
    assert 0 < GATHER_SECONDS <= 0.1
