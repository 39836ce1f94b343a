"""Office tree and point rules: given these events, when this command, then these events."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.offices import (
    BANK,
    BRANCH,
    DEFAULT_POINTS_PER_HOUR,
    SAVINGS_OFFICE,
    Office,
    check_tier,
    normalise_multipliers,
)

ACTOR: dict[str, Any] = {"kind": "user", "id": "admin", "role": "admin", "office_id": None,
                         "request_id": "req-1"}


def replay(events: Sequence[Any]) -> Any:
    """Given these events: the aggregate as the store would rebuild it."""
    aggregate = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


def history(office: Office) -> list[Any]:
    return list(office.collect_events())


def code_of(excinfo: pytest.ExceptionInfo[DomainError]) -> str:
    return excinfo.value.code


@pytest.fixture
def tree() -> tuple[Office, Office, Office]:
    bank = Office.open("浦东新区公益时间银行", BANK, None, ACTOR)
    branch = Office.open("陆家嘴街道分行", BRANCH, bank, ACTOR)
    savings = Office.open("梅园社区储蓄所", SAVINGS_OFFICE, branch, ACTOR)
    for office in (bank, branch, savings):
        office.collect_events()
    return bank, branch, savings


# --- opening and the tier rule -----------------------------------------------------------------


def test_opening_a_bank_records_opened_with_no_parent_and_default_rules() -> None:
    bank = Office.open("  浦东新区公益时间银行 ", BANK, None, ACTOR)

    [opened] = bank.collect_events()
    assert isinstance(opened, Office.Opened)
    assert opened.originator_id == bank.id
    assert opened.originator_version == 1
    assert opened.name == "浦东新区公益时间银行"
    assert opened.kind == BANK
    assert opened.parent_id is None
    assert opened.ancestor_ids == []
    assert opened.actor == ACTOR

    assert bank.bank_id == bank.id
    assert bank.points_per_hour == DEFAULT_POINTS_PER_HOUR
    assert bank.category_multipliers == {}
    assert bank.rules_version == 1
    assert not bank.closed


def test_a_savings_office_records_its_ancestry_root_first(
    tree: tuple[Office, Office, Office],
) -> None:
    bank, branch, savings = tree

    assert branch.parent_id == bank.id
    assert branch.ancestor_ids == [bank.id]
    assert savings.parent_id == branch.id
    assert savings.ancestor_ids == [bank.id, branch.id]
    assert branch.bank_id == bank.id
    assert savings.bank_id == bank.id
    # Point rules belong to the bank alone.
    assert branch.points_per_hour == 0 and branch.rules_version == 0
    assert savings.points_per_hour == 0 and savings.rules_version == 0


def test_opened_event_carries_the_ancestry_so_a_replay_knows_the_bank() -> None:
    bank = Office.open("A", BANK, None, ACTOR)
    branch = Office.open("B", BRANCH, bank, ACTOR)
    savings = Office.open("C", SAVINGS_OFFICE, branch, ACTOR)

    [opened] = savings.collect_events()
    assert opened.ancestor_ids == [bank.id, branch.id]
    rebuilt = replay([opened])
    assert rebuilt.bank_id == bank.id
    assert rebuilt.is_within(bank.id) and rebuilt.is_within(branch.id)
    assert rebuilt.is_within(savings.id)
    assert not bank.is_within(savings.id)


@pytest.mark.parametrize(
    ("kind", "parent_kind"),
    [
        (BANK, BANK),  # a bank has no parent
        (BANK, BRANCH),
        (BRANCH, None),  # a branch needs a bank
        (BRANCH, BRANCH),
        (BRANCH, SAVINGS_OFFICE),
        (SAVINGS_OFFICE, None),  # a savings office needs a branch
        (SAVINGS_OFFICE, BANK),
        (SAVINGS_OFFICE, SAVINGS_OFFICE),
    ],
)
def test_the_tier_rule_refuses_a_wrong_parent(
    tree: tuple[Office, Office, Office], kind: str, parent_kind: str | None
) -> None:
    parents = {office.kind: office for office in tree}
    parent = parents[parent_kind] if parent_kind else None

    with pytest.raises(DomainError) as caught:
        check_tier(kind, parent)
    assert code_of(caught) == "invalid_parent"
    with pytest.raises(DomainError) as caught:
        Office.open("X", kind, parent, ACTOR)
    assert code_of(caught) == "invalid_parent"


@pytest.mark.parametrize(
    ("kind", "parent_kind"), [(BANK, None), (BRANCH, BANK), (SAVINGS_OFFICE, BRANCH)]
)
def test_the_tier_rule_accepts_the_right_parent(
    tree: tuple[Office, Office, Office], kind: str, parent_kind: str | None
) -> None:
    parents = {office.kind: office for office in tree}
    parent = parents[parent_kind] if parent_kind else None
    check_tier(kind, parent)
    office = Office.open("X", kind, parent, ACTOR)
    assert office.kind == kind
    assert office.parent_id == (parent.id if parent else None)


def test_an_unknown_kind_is_invalid_input() -> None:
    with pytest.raises(DomainError) as caught:
        Office.open("X", "headquarters", None, ACTOR)
    assert code_of(caught) == "invalid_input"


def test_nothing_opens_under_a_closed_parent(tree: tuple[Office, Office, Office]) -> None:
    bank, branch, _ = tree
    branch.close(ACTOR, "merged")

    with pytest.raises(DomainError) as caught:
        Office.open("新储蓄所", SAVINGS_OFFICE, branch, ACTOR)
    assert code_of(caught) == "office_closed"

    bank.close(ACTOR, "district merged")
    with pytest.raises(DomainError) as caught:
        Office.open("新分行", BRANCH, bank, ACTOR)
    assert code_of(caught) == "office_closed"


def test_a_wrong_tier_is_reported_before_a_closed_parent(
    tree: tuple[Office, Office, Office],
) -> None:
    bank, _, _ = tree
    bank.close(ACTOR, "merged")
    with pytest.raises(DomainError) as caught:
        Office.open("X", SAVINGS_OFFICE, bank, ACTOR)
    assert code_of(caught) == "invalid_parent"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_an_office_name_is_1_to_100_characters(name: str) -> None:
    with pytest.raises(DomainError) as caught:
        Office.open(name, BANK, None, ACTOR)
    assert code_of(caught) == "invalid_input"


# --- rename and close --------------------------------------------------------------------------


def test_renaming_records_renamed_with_the_new_name_and_reason() -> None:
    given = history(Office.open("旧名", BANK, None, ACTOR))
    bank = replay(given)

    bank.rename("  新名  ", ACTOR, reason="typo")

    [renamed] = bank.collect_events()
    assert isinstance(renamed, Office.Renamed)
    assert renamed.originator_version == 2
    assert renamed.name == "新名"
    assert renamed.reason == "typo"
    assert renamed.actor == ACTOR
    assert replay([*given, renamed]).name == "新名"


def test_renaming_to_an_empty_name_records_nothing() -> None:
    bank = replay(history(Office.open("旧名", BANK, None, ACTOR)))
    with pytest.raises(DomainError) as caught:
        bank.rename("  ", ACTOR)
    assert code_of(caught) == "invalid_input"
    assert bank.collect_events() == []
    assert bank.name == "旧名"


def test_closing_records_closed_and_a_closed_office_refuses_further_changes() -> None:
    given = history(Office.open("A", BANK, None, ACTOR))
    bank = replay(given)

    bank.close(ACTOR, "district merged")

    [closed] = bank.collect_events()
    assert isinstance(closed, Office.Closed)
    assert closed.reason == "district merged"
    assert closed.actor == ACTOR
    rebuilt = replay([*given, closed])
    assert rebuilt.closed

    for command in (
        lambda: rebuilt.close(ACTOR, "again"),
        lambda: rebuilt.rename("B", ACTOR),
        lambda: rebuilt.change_point_rules(20, {}, ACTOR),
    ):
        with pytest.raises(DomainError) as caught:
            command()
        assert code_of(caught) == "office_closed"
    assert rebuilt.collect_events() == []
    with pytest.raises(DomainError) as caught:
        rebuilt.ensure_open()
    assert code_of(caught) == "office_closed"


# --- point rules -------------------------------------------------------------------------------


def test_changing_point_rules_records_the_normalised_rules_and_bumps_the_version() -> None:
    given = history(Office.open("A", BANK, None, ACTOR))
    bank = replay(given)

    bank.change_point_rules(12, {" elderly_care ": "1.50", "teaching": 2}, ACTOR)

    [changed] = bank.collect_events()
    assert isinstance(changed, Office.PointRulesChanged)
    assert changed.points_per_hour == 12
    assert changed.category_multipliers == {"elderly_care": "1.5", "teaching": "2"}
    assert changed.actor == ACTOR
    rebuilt = replay([*given, changed])
    assert rebuilt.points_per_hour == 12
    assert rebuilt.rules_version == 2
    assert rebuilt.multiplier_for("elderly_care") == Decimal("1.5")
    assert rebuilt.multiplier_for("teaching") == Decimal("2")
    assert rebuilt.multiplier_for("anything_else") == Decimal("1")


def test_rules_version_increments_on_every_change_and_rules_replace_the_old_ones() -> None:
    bank = Office.open("A", BANK, None, ACTOR)
    bank.change_point_rules(20, {"teaching": "2"}, ACTOR)
    bank.change_point_rules(30, {}, ACTOR)
    events = bank.collect_events()

    assert [type(e) for e in events] == [
        Office.Opened, Office.PointRulesChanged, Office.PointRulesChanged,
    ]
    rebuilt = replay(events)
    assert rebuilt.rules_version == 3
    assert rebuilt.points_per_hour == 30
    assert rebuilt.category_multipliers == {}
    assert rebuilt.multiplier_for("teaching") == Decimal("1")


@pytest.mark.parametrize("kind", [BRANCH, SAVINGS_OFFICE])
def test_point_rules_belong_to_a_bank(tree: tuple[Office, Office, Office], kind: str) -> None:
    office = {o.kind: o for o in tree}[kind]
    with pytest.raises(DomainError) as caught:
        office.change_point_rules(20, {}, ACTOR)
    assert code_of(caught) == "office_not_bank"
    assert office.collect_events() == []
    assert office.rules_version == 0


@pytest.mark.parametrize("points_per_hour", [0, -1, True, False, 10_001, 1.5, "10", None])
def test_points_per_hour_must_be_a_whole_number_from_1_to_10000(points_per_hour: Any) -> None:
    bank = replay(history(Office.open("A", BANK, None, ACTOR)))
    with pytest.raises(DomainError) as caught:
        bank.change_point_rules(points_per_hour, {}, ACTOR)
    assert code_of(caught) == "invalid_point_rules"
    assert bank.collect_events() == []
    assert bank.points_per_hour == DEFAULT_POINTS_PER_HOUR
    assert bank.rules_version == 1


@pytest.mark.parametrize("points_per_hour", [1, 10_000])
def test_points_per_hour_bounds_are_inclusive(points_per_hour: int) -> None:
    bank = replay(history(Office.open("A", BANK, None, ACTOR)))
    bank.change_point_rules(points_per_hour, {}, ACTOR)
    [changed] = bank.collect_events()
    assert changed.points_per_hour == points_per_hour


@pytest.mark.parametrize(
    "multipliers",
    [
        {"teaching": 0},
        {"teaching": "-1"},
        {"teaching": "10.01"},
        {"teaching": 11},
        {"teaching": "abc"},
        {"teaching": "NaN"},
        {"teaching": "Infinity"},
        {"teaching": None},
        {"": "1.5"},
        {"   ": "1.5"},
    ],
)
def test_bad_multipliers_are_invalid_point_rules(multipliers: dict[str, Any]) -> None:
    bank = replay(history(Office.open("A", BANK, None, ACTOR)))
    with pytest.raises(DomainError) as caught:
        bank.change_point_rules(20, multipliers, ACTOR)
    assert code_of(caught) == "invalid_point_rules"
    assert bank.collect_events() == []
    assert bank.rules_version == 1


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("1.50", "1.5"),
        ("2.0", "2"),
        (3, "3"),
        ("0.5", "0.5"),
        ("10", "10"),  # the maximum, inclusive; stored as plain text, not "1E+1"
        (10, "10"),
    ],
)
def test_multipliers_are_stored_as_plain_decimal_text(raw: Any, stored: str) -> None:
    assert normalise_multipliers({"teaching": raw}) == {"teaching": stored}
