"""The read gate's decisions (timebank/application/authz.py): who reads what, where."""

from __future__ import annotations

import uuid

import pytest

from timebank.application.authz import (
    ACTIVITIES,
    AUDIT_TRAIL,
    FUNDS,
    OFFICE_FIGURES,
    OPERATIONS,
    SERVICE_RECORDS,
    VOLUNTEERS,
    may_read,
    read_scope,
    require_read,
    require_reader,
)
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office
from timebank.domain.reading import ReadScope


class Tree:
    """bank → east branch → east office; bank → west branch → west office."""

    def __init__(self) -> None:
        made_by = SYSTEM.record()
        self.bank = Office.open("示范区公益银行", "bank", None, made_by)
        self.east = Office.open("东湖街道分行", "branch", self.bank, made_by)
        self.east_office = Office.open("樱花社区储蓄所", "savings_office", self.east, made_by)
        self.west = Office.open("西岭街道分行", "branch", self.bank, made_by)
        self.west_office = Office.open("松林社区储蓄所", "savings_office", self.west, made_by)


def staff(role: str, office: Office | None) -> Actor:
    return Actor(kind="user", id=str(uuid.uuid4()), role=role,
                 office_id=office.id if office else None)


@pytest.fixture
def tree() -> Tree:
    return Tree()


def forbidden(call, *args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as refused:
        call(*args)
    assert refused.value.code == "forbidden"


def test_staff_read_the_subtree_of_the_office_they_ask_about(tree: Tree) -> None:
    branch_admin = staff("branch_admin", tree.east)
    scope = read_scope(branch_admin, SERVICE_RECORDS, tree.east)
    assert scope == ReadScope("subtree", office_chain=(tree.bank.id, tree.east.id))
    assert scope.office_id == tree.east.id
    narrower = read_scope(branch_admin, SERVICE_RECORDS, tree.east_office)
    assert narrower.office_chain == (tree.bank.id, tree.east.id, tree.east_office.id)
    assert scope.covers(tree.east_office) and not scope.covers(tree.west_office)
    # Above one's own office, or beside it: the one refusal.
    forbidden(read_scope, branch_admin, SERVICE_RECORDS, tree.bank)
    forbidden(read_scope, branch_admin, SERVICE_RECORDS, tree.west_office)


def test_each_kind_of_thing_has_its_readers(tree: Tree) -> None:
    expected = {
        # (role, readable): may read at the bank
        ("coordinator", OPERATIONS): True, ("treasurer", OPERATIONS): False,
        ("coordinator", FUNDS): False, ("treasurer", FUNDS): True, ("auditor", FUNDS): True,
        ("bank_admin", FUNDS): True, ("branch_admin", FUNDS): False,
        ("auditor", AUDIT_TRAIL): True, ("bank_admin", AUDIT_TRAIL): True,
        ("treasurer", AUDIT_TRAIL): False, ("coordinator", AUDIT_TRAIL): False,
        ("auditor", SERVICE_RECORDS): True, ("treasurer", ACTIVITIES): True,
        ("auditor", OFFICE_FIGURES): True, ("auditor", OPERATIONS): False,
    }
    for (role, readable), allowed in expected.items():
        actor = staff(role, tree.bank)
        assert may_read(actor, readable) is allowed, (role, readable.name)
        if allowed:
            assert read_scope(actor, readable, tree.bank).kind == "subtree"
            require_reader(actor, readable)
        else:
            forbidden(read_scope, actor, readable, tree.bank)
            forbidden(require_reader, actor, readable)


def test_an_administrator_reads_everything_unless_asking_about_one_office(tree: Tree) -> None:
    admin = staff("admin", None)
    assert read_scope(admin, FUNDS, None) == ReadScope.everything()
    assert read_scope(admin, AUDIT_TRAIL, None).covers(tree.west_office)
    assert read_scope(admin, FUNDS, tree.west).office_id == tree.west.id
    assert read_scope(SYSTEM, OPERATIONS, None).kind == "everything"


def test_staff_without_an_office_read_nothing(tree: Tree) -> None:
    forbidden(read_scope, staff("coordinator", None), SERVICE_RECORDS, None)


def test_volunteers_read_their_own_and_nothing_else(tree: Tree) -> None:
    volunteer = Actor(kind="volunteer", id=str(uuid.uuid4()), office_id=tree.east_office.id)
    scope = read_scope(volunteer, SERVICE_RECORDS, tree.east_office)
    assert scope == ReadScope.own(volunteer.id)
    assert scope.covers(owner_id=volunteer.id)
    assert not scope.covers(tree.east_office, owner_id=str(uuid.uuid4()))
    require_read(volunteer, VOLUNTEERS, tree.east_office, volunteer.id)
    forbidden(require_read, volunteer, VOLUNTEERS, tree.east_office, str(uuid.uuid4()))
    for readable in (ACTIVITIES, FUNDS, AUDIT_TRAIL, OPERATIONS, OFFICE_FIGURES):
        assert not may_read(volunteer, readable)
        forbidden(read_scope, volunteer, readable, tree.east_office)


def test_kiosks_read_nothing_through_the_gate(tree: Tree) -> None:
    kiosk = Actor(kind="kiosk", id=str(uuid.uuid4()), office_id=tree.east_office.id)
    for readable in (SERVICE_RECORDS, VOLUNTEERS, ACTIVITIES, OFFICE_FIGURES):
        assert not may_read(kiosk, readable)
        forbidden(read_scope, kiosk, readable, tree.east_office)


def test_require_read_is_the_scope_of_the_things_own_office(tree: Tree) -> None:
    coordinator = staff("coordinator", tree.east_office)
    require_read(coordinator, SERVICE_RECORDS, tree.east_office, str(uuid.uuid4()))
    forbidden(require_read, coordinator, SERVICE_RECORDS, tree.west_office)
    forbidden(require_read, coordinator, FUNDS, tree.east_office)


def test_a_scope_is_one_of_three_kinds_and_nothing_in_between(tree: Tree) -> None:
    with pytest.raises(ValueError):
        ReadScope("subtree")
    with pytest.raises(ValueError):
        ReadScope("everything", owner_id="someone")
    with pytest.raises(ValueError):
        ReadScope("own", office_chain=(tree.bank.id,), owner_id="someone")
    with pytest.raises(ValueError):
        ReadScope("some")  # type: ignore[arg-type]
    assert ReadScope.subtree(tree.bank).office_chain == (tree.bank.id,)
    assert ReadScope.own("v").office_id is None
