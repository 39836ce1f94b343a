"""Star levels (星级志愿者) by hand: thresholds in hours, reached under the rules in force
when the hours are approved, never taken away by a later change of the rules."""

from __future__ import annotations

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.stars import (
    FIRST_STAR_THRESHOLDS_HOURS,
    StarChange,
    check_thresholds,
    star_changes,
)


def test_the_first_rules_are_fujians_five_stars() -> None:
    assert FIRST_STAR_THRESHOLDS_HOURS == (100, 300, 600, 1000, 1500)


def test_levels_are_reached_at_the_thresholds_then_in_force() -> None:
    rules = (100, 300, 600, 1000, 1500)
    assert star_changes(99 * 60 + 59, [], rules) == []
    assert star_changes(100 * 60, [], rules) == [StarChange(1, True, 6000)]
    # 650 hours at once: three stars, each at its own threshold.
    assert star_changes(650 * 60, [], rules) == [
        StarChange(1, True, 6000), StarChange(2, True, 18000), StarChange(3, True, 36000)]
    # The bank raises the second star to 400 hours: 350 hours keep one star, not two.
    raised = (100, 400, 800)
    assert star_changes(350 * 60, [6000], raised) == []
    assert star_changes(400 * 60, [6000], raised) == [StarChange(2, True, 24000)]
    # A level reached at 300 hours under the old rules stays under the raised ones…
    assert star_changes(320 * 60, [6000, 18000], raised) == []
    # …and is lost only when a correction takes the hours below the threshold it was
    # reached at.
    assert star_changes(299 * 60, [6000, 18000], raised) == [StarChange(2, False, 18000)]


def test_thresholds_increase() -> None:
    assert check_thresholds([1, 2]) == (1, 2)
    for bad in ([], [300, 100], [100, 100], [0], [True], list(range(1, 12))):
        with pytest.raises(DomainError):
            check_thresholds(bad)
