"""A replay's decoder makes exactly the events the application's mapper makes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    StoredEvent,
    TranscodingNotRegisteredError,
)

from projections.replay_decoding import ReplayId, ReplayMapper, replay_id
from tests.memory import memory_app
from tests.old_log import read_log


def stored(item: dict) -> StoredEvent:
    return StoredEvent(originator_id=UUID(item["originator_id"]),
                       originator_version=item["originator_version"], topic=item["topic"],
                       state=item["state"].encode("utf-8"))


def test_the_old_log_decodes_to_the_same_events() -> None:
    """Every event of the log an earlier version wrote (every kind it had, old shapes
    upcast on the way): same class, same fields, same values and types."""
    mapper = memory_app().mapper
    replay = ReplayMapper(mapper)
    assert replay.fast
    events = [stored(item) for item in read_log()["events"]]
    assert len({e.topic for e in events}) > 20
    for event in events:
        expected, got = mapper.to_domain_event(event), replay.to_domain_event(event)
        assert type(got) is type(expected)
        assert got.__dict__ == expected.__dict__
        # The same types, but for ids: UUIDs that keep their text.
        assert ({k: UUID if type(v) is ReplayId else type(v) for k, v in got.__dict__.items()}
                == {k: type(v) for k, v in expected.__dict__.items()})
        assert repr(got.__dict__) == repr(expected.__dict__)
        assert {k: str(v) for k, v in got.__dict__.items()} == {
            k: str(v) for k, v in expected.__dict__.items()}


def test_a_replay_id_is_the_uuid_it_stands_for() -> None:
    import copy
    import pickle

    plain = uuid4()
    kept = replay_id(plain.hex)
    assert kept == plain and plain == kept and hash(kept) == hash(plain)
    assert isinstance(kept, UUID) and str(kept) == str(plain) and kept.hex == plain.hex
    assert repr(kept) == repr(plain)
    assert {plain: 1}[kept] == 1
    for copied in (copy.copy(kept), copy.deepcopy(kept), pickle.loads(pickle.dumps(kept))):  # noqa: S301
        assert copied == plain and str(copied) == str(plain)


def test_nested_and_unusual_values_decode_as_the_library_decodes_them() -> None:
    mapper = memory_app().mapper
    replay = ReplayMapper(mapper)
    state = mapper.transcoder.encode({
        "timestamp": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        "nested": {"ids": [uuid4(), {"amount": Decimal("1.50")}], "plain": {"_type_": 1}},
        "big": 2**70, "nan": float("nan"), "text": "志愿者\u2028",
    })
    assert b"NaN" in state
    for body in (state, state.replace(b',"nan":NaN', b"")):  # orjson refuses NaN
        event = StoredEvent(originator_id=uuid4(), originator_version=3,
                            topic=_sample_topic(), state=body)
        expected, got = mapper.to_domain_event(event), replay.to_domain_event(event)
        assert repr(got.__dict__) == repr(expected.__dict__)


def test_an_unknown_type_fails_as_the_library_fails() -> None:
    mapper = memory_app().mapper
    event = StoredEvent(originator_id=uuid4(), originator_version=1, topic=_sample_topic(),
                        state=b'{"x":{"_type_":"nothing","_data_":1}}')
    with pytest.raises(Exception) as library:
        mapper.to_domain_event(event)
    with pytest.raises(type(library.value)) as replayed:
        ReplayMapper(mapper).to_domain_event(event)
    assert str(replayed.value) == str(library.value)
    assert isinstance(library.value.__cause__, TranscodingNotRegisteredError)


def test_another_transcoder_is_left_to_the_library() -> None:
    class Other(JSONTranscoder):
        pass

    assert not ReplayMapper(Mapper(transcoder=Other())).fast


def _sample_topic() -> str:
    return "timebank.domain.attendance:Presence.Opened"  # class version 1: no upcasting
