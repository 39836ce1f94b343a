"""Idempotency records: the first response, replayed for the same request only."""

from __future__ import annotations

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.idempotency import IdempotencyRecord
from timebank.domain.ids import idempotency_id_for

BODY = {"transfer_id": "t-1", "points": 20, "balance": 80}


def record(scope: str = "transfers", key: str = "key-1") -> IdempotencyRecord:
    return IdempotencyRecord(scope=scope, key=key, fingerprint="fp-a", status=201, body=BODY)


def test_recording_a_response_records_recorded_under_the_id_of_scope_and_key() -> None:
    idempotency = record()

    [recorded] = idempotency.collect_events()
    assert isinstance(recorded, IdempotencyRecord.Recorded)
    assert recorded.originator_id == idempotency_id_for("transfers", "key-1")
    assert (recorded.scope, recorded.key, recorded.fingerprint) == ("transfers", "key-1", "fp-a")
    assert (recorded.status, recorded.body) == (201, BODY)


def test_the_same_key_in_the_same_scope_is_the_same_aggregate() -> None:
    assert record().id == record().id
    assert record(key="key-2").id != record().id
    assert record(scope="redemptions").id != record().id


def test_replaying_the_same_request_returns_the_stored_response() -> None:
    [recorded] = record().collect_events()
    rebuilt = recorded.mutate(None)

    assert rebuilt.replay("fp-a") == (201, BODY)
    assert rebuilt.collect_events() == []


def test_a_key_reused_for_a_different_request_is_refused() -> None:
    idempotency = record()
    with pytest.raises(DomainError) as caught:
        idempotency.replay("fp-b")
    assert caught.value.code == "idempotency_key_reused"
