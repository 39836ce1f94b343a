"""Star levels (星级志愿者) and the bank's rules of records.

A bank sets the recorded service hours at which a volunteer reaches each star (Fujian's
common pattern: one to five stars at 100, 300, 600, 1,000 and 1,500 hours) and how many days
its offices have to answer a volunteer's request for a correction (15 by default). The
rules change by event and are never retroactive: a level is reached under the thresholds in
force when the hours that reach it are approved, and stays when the bank later raises them;
only a correction that takes the hours back below the threshold it was reached at takes it
away again (a record must stay true).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from timebank.domain.errors import DomainError

# The rules every bank opened with, before any change of its own: never edit these (a bank's
# own rules are events); they are what banks without a change still follow.
FIRST_STAR_THRESHOLDS_HOURS = (100, 300, 600, 1000, 1500)
FIRST_CORRECTION_DAYS = 15
MAX_STARS = 10
MAX_THRESHOLD_HOURS = 100_000
MAX_CORRECTION_DAYS = 90


def check_thresholds(hours: list[int] | tuple[int, ...]) -> tuple[int, ...]:
    values = tuple(hours)
    if not 1 <= len(values) <= MAX_STARS or any(
        isinstance(h, bool) or not isinstance(h, int) or not 0 < h <= MAX_THRESHOLD_HOURS
        for h in values
    ) or any(a >= b for a, b in pairwise(values)):
        raise DomainError("invalid_input", "star_thresholds_hours: 1 to 10 increasing whole "
                          "numbers of hours.", field="star_thresholds_hours")
    return values


def check_correction_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or \
            not 1 <= days <= MAX_CORRECTION_DAYS:
        raise DomainError("invalid_input", "correction_days: 1 to 90.", field="correction_days")
    return days


@dataclass(frozen=True)
class StarChange:
    level: int
    reached: bool  # False: lost again, by a correction
    threshold_minutes: int


def star_changes(total_minutes: int, reached: list[int],
                 thresholds_hours: tuple[int, ...]) -> list[StarChange]:
    """How the levels move when a volunteer's approved minutes become `total_minutes`.

    `reached` holds, for each level reached so far, the threshold (in minutes) it was reached
    at. Levels above are reached under `thresholds_hours` (the bank's rules now); a level is
    lost only when the minutes fall below the threshold it was reached at."""
    changes: list[StarChange] = []
    levels = list(reached)
    while levels and total_minutes < levels[-1]:
        changes.append(StarChange(len(levels), False, levels.pop()))
    while len(levels) < len(thresholds_hours):
        threshold = thresholds_hours[len(levels)] * 60
        if total_minutes < threshold:
            break
        levels.append(threshold)
        changes.append(StarChange(len(levels), True, threshold))
    return changes
