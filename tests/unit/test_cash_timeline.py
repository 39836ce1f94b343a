"""Property-based: the bounded cash timeline against the full history it summarises.

Random movements on random days (accepted only when the timeline says no day from theirs on
goes negative) and random closings: the timeline's lowest balance from any day is never above
the true one (exact on open days), the true balance never goes below zero on any day, and the
state holds one entry per open day and per month, however many movements there were.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from timebank.domain import cash_timeline as tl

START = date(2025, 1, 1)
DAYS = 200
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.integers(0, DAYS), st.integers(-5_000, 5_000)),
        st.tuples(st.just("fold"), st.integers(0, DAYS), st.just(0)),
    ),
    max_size=60,
)


def true_lowest(history: list[tuple[date, int]], day: date) -> int:
    """min over t >= day of the balance at the end of t, from the whole history."""
    moments = sorted({day} | {d for d, _ in history if d >= day})
    return min(sum(v for d, v in history if d <= t) for t in moments)


@settings(max_examples=150, deadline=None)
@given(STEPS)
def test_the_timeline_never_lets_a_day_go_negative_and_stays_bounded(steps) -> None:
    timeline = tl.new_timeline()
    history: list[tuple[date, int]] = []
    for action, offset, amount in steps:
        day = START + timedelta(days=offset)
        if action == "fold":
            tl.fold(timeline, day)
            continue
        # The rule the fund applies: a movement that would take the lowest balance from its
        # day on below zero is refused.
        if amount < 0 and tl.lowest_from(timeline, "cash", day) + amount < 0:
            folded = timeline["folded_until"] is not None and (
                day.isoformat() <= timeline["folded_until"])
            # Refused: necessarily so on an open day; on a folded one it may be caution.
            assert folded or true_lowest(history, day) + amount < 0
            continue
        tl.move(timeline, "cash", day, amount)
        history.append((day, amount))
        assert tl.balance(timeline, "cash") == sum(v for _, v in history)
        for probe in range(0, DAYS + 1, 7):
            probe_day = START + timedelta(days=probe)
            truth = true_lowest(history, probe_day)
            assert truth >= 0  # no day ever negative
            seen = tl.lowest_from(timeline, "cash", probe_day)
            assert seen <= truth  # never more optimistic than the truth
            if timeline["folded_until"] is None or probe_day.isoformat() > timeline[
                    "folded_until"]:
                assert seen == truth  # exact on open days
    days = timeline["days"].get("cash", {})
    assert all(d > (timeline["folded_until"] or "") for d in days)
    assert len(timeline["months"].get("cash", {})) <= 7  # 200 days: at most 7 months


def test_a_backdated_expense_is_refused_when_a_later_day_would_go_negative() -> None:
    timeline = tl.new_timeline()
    tl.move(timeline, "cash", date(2026, 3, 1), 10_000)
    tl.move(timeline, "cash", date(2026, 3, 10), -8_000)  # 2 000 left from 10 March
    tl.move(timeline, "cash", date(2026, 3, 20), 5_000)  # 7 000 from 20 March
    # Today's balance is 7 000, but dated 5 March a 3 000 expense leaves 10 March at −1 000.
    assert tl.balance(timeline, "cash") == 7_000
    assert tl.lowest_from(timeline, "cash", date(2026, 3, 5)) == 2_000
    assert tl.lowest_from(timeline, "cash", date(2026, 3, 15)) == 2_000
    assert tl.lowest_from(timeline, "cash", date(2026, 3, 25)) == 7_000
    tl.fold(timeline, date(2026, 3, 15))
    assert timeline["months"]["cash"] == {"2026-03": [2_000, 2_000]}
    assert timeline["days"]["cash"] == {"2026-03-20": 5_000}
    assert tl.lowest_from(timeline, "cash", date(2026, 3, 25)) == 7_000
    # Inside the folded month: its lowest balance is the bound.
    assert tl.lowest_from(timeline, "cash", date(2026, 3, 12)) == 2_000
