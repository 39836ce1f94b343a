"""Cash by class at every date, in bounded state: what a backdated entry is checked against.

An expense dated in the past must not make any cash class negative on its date or any later
one (issue 13, item 7): the check needs the lowest balance from that date on, not today's.
Keeping every day forever would grow without bound, so a timeline keeps

- `days`: the net movement of each day after `folded_until` — the days of open periods, the
  only ones new entries can be dated on — and `base`, the balance at the end of
  `folded_until`;
- `months`: for the folded days, one `[end, low]` per month with movements — the balance at
  the end of the month's folded part and the lowest balance within it.

Closing a period folds its days into months. A reopened period's days stay folded, so an
entry dated inside it is checked against its months' lowest balances: a lower bound of the
truth, so the check may refuse what a day-by-day check would allow, never the reverse.
State grows with the open days and the months with movements, never with the number of
entries. A timeline is plain JSON (it is part of the fund's snapshots):
{"base": {cls: int}, "days": {cls: {"YYYY-MM-DD": int}},
 "months": {cls: {"YYYY-MM": [end, low]}}, "folded_until": "YYYY-MM-DD" | None}
"""

from __future__ import annotations

from datetime import date
from typing import Any

Timeline = dict[str, Any]


def new_timeline() -> Timeline:
    return {"base": {}, "days": {}, "months": {}, "folded_until": None}


def _folded(timeline: Timeline, iso: str) -> bool:
    until = timeline["folded_until"]
    return until is not None and iso <= until


def balance(timeline: Timeline, fund_class: str) -> int:
    """The balance after every movement recorded (today's)."""
    return timeline["base"].get(fund_class, 0) + sum(
        timeline["days"].get(fund_class, {}).values())


def lowest_from(timeline: Timeline, fund_class: str, day: date) -> int:
    """The lowest balance of `fund_class` at the end of `day` or of any later day (a lower
    bound when `day` is folded)."""
    iso = day.isoformat()
    lows: list[int] = []
    if _folded(timeline, iso):
        months = timeline["months"].get(fund_class, {})
        if iso[:7] not in months:
            # No movement in its month: the balance on `day` is the last earlier month's end.
            earlier = [m for m in months if m < iso[:7]]
            lows.append(months[max(earlier)][0] if earlier else 0)
        lows += [low for month, (_, low) in months.items() if month >= iso[:7]]
    running = timeline["base"].get(fund_class, 0)
    days = sorted(timeline["days"].get(fund_class, {}).items())
    later = []
    for when, delta in days:
        if when <= iso:
            running += delta
        else:
            later.append(delta)
    lows.append(running)  # at the end of `day` (or of the folded days, when it is folded)
    for delta in later:
        running += delta
        lows.append(running)
    return min(lows)


def move(timeline: Timeline, fund_class: str, day: date, delta: int) -> None:
    """Record a movement of `delta` fen of `fund_class` on `day` (already checked)."""
    if delta == 0:
        return
    iso = day.isoformat()
    if not _folded(timeline, iso):
        days = timeline["days"].setdefault(fund_class, {})
        days[iso] = days.get(iso, 0) + delta
        if days[iso] == 0:
            del days[iso]
        return
    # Dated inside a reopened period: every later folded month moves by delta; the entry's
    # own month keeps a lower bound (its days before the entry do not move).
    months = timeline["months"].setdefault(fund_class, {})
    month = iso[:7]
    if month not in months:
        earlier = [m for m in months if m < month]
        start = months[max(earlier)][0] if earlier else 0
        months[month] = [start, start]
    for when, (end, low) in list(months.items()):
        if when > month:
            months[when] = [end + delta, low + delta]
        elif when == month:
            months[when] = [end + delta, low + min(delta, 0)]
    timeline["base"][fund_class] = timeline["base"].get(fund_class, 0) + delta


def fold(timeline: Timeline, until: date) -> None:
    """Fold the days up to `until` into their months (a period was closed up to it)."""
    iso = until.isoformat()
    if _folded(timeline, iso):
        return
    for fund_class, days in timeline["days"].items():
        running = timeline["base"].get(fund_class, 0)
        months = timeline["months"].setdefault(fund_class, {})
        for when, delta in sorted(days.items()):
            if when > iso:
                break
            before, running = running, running + delta
            # A month first seen here held `before` from its start to this day (none when
            # this is its first day).
            first = before if not when.endswith("-01") else running
            _, low = months.get(when[:7], [first, first])
            months[when[:7]] = [running, min(low, running)]
        timeline["base"][fund_class] = running
        timeline["days"][fund_class] = {d: v for d, v in days.items() if d > iso}
    timeline["days"] = {c: d for c, d in timeline["days"].items() if d}
    timeline["folded_until"] = iso
