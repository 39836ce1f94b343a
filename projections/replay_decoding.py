"""Decoding stored events for a replay: the application's mapper, with a faster JSON parser.

The library's JSON transcoder parses with the standard `json` module and rebuilds its
registered types (UUIDs, datetimes, decimals) from `{"_type_": name, "_data_": value}`
objects in a Python hook called for every JSON object; that is most of the cost of
reading the log back. Here orjson parses (in C) and one pass over the result rebuilds the
same types with the transcoder's own transcodings, and the event is made as the library's
mapper makes it (its cipher and compressor first, its topic resolution, ID conversion and
upcasting). What orjson might read otherwise than `json` does (NaN, which it refuses; an
integer beyond 64 bits, which it reads as a float — so any event holding a float, which
the domain's events do not: money is in integer fen) and a transcoder that is not the
library's plain JSON one go to the library's mapper unchanged: the events are the same
either way (tests/unit/test_replay_decoding.py), but for one thing: ids are `ReplayId`s,
UUIDs that keep their text (equal, hashed and shown as the same UUID), one object per id,
because the projections write ids as text again and again.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, find_id_convertor
from eventsourcing.utils import resolve_topic

UUID_CACHE = 200_000  # ids remembered (a few tens of MB), then forgotten at once


class ReplayMapper:
    """Stands in for an application's mapper where a replay decodes events."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        transcoder = mapper.transcoder
        self.fast = type(transcoder) is JSONTranscoder
        self.names = dict(getattr(transcoder, "names", {}))
        # The same ids recur (offices, passbooks, activities): one UUID object each, which
        # keeps its text (`ReplayId`). UUIDs are immutable: sharing one is as good as
        # making another.
        self.uuids: dict[str, UUID] = {}
        self.ids: dict[UUID, UUID] = {}  # aggregates' ids, as the driver reads them

    def __getattr__(self, name: str) -> Any:
        return getattr(self.mapper, name)

    def to_domain_event(self, stored_event: Any) -> Any:
        if not self.fast:
            return self.mapper.to_domain_event(stored_event)
        state = stored_event.state
        mapper = self.mapper
        try:
            if mapper.cipher:
                state = mapper.cipher.decrypt(state)
            if mapper.compressor:
                state = mapper.compressor.decompress(state)
            event_state = orjson.loads(state)
            if type(event_state) is dict:
                event_state = self._rebuild_fields(event_state)
        except Exception:  # the library decides, and words the error
            return mapper.to_domain_event(stored_event)
        if type(event_state) is not dict:
            return mapper.to_domain_event(stored_event)
        cls = resolve_topic(stored_event.topic)
        convert = find_id_convertor(cls, cast(Hashable, type(stored_event.originator_id)))
        event_state["originator_id"] = self._originator_id(convert(stored_event.originator_id))
        event_state["originator_version"] = stored_event.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return domain_event

    def _rebuild_fields(self, state: dict[str, Any]) -> dict[str, Any]:
        """An event's fields: `_rebuild` with the common case (an id, a time) inline."""
        names, uuids = self.names, self.uuids
        for key, item in state.items():
            kind = type(item)
            if kind is dict:
                if len(item) == 2 and "_type_" in item and "_data_" in item:
                    name, data = item["_type_"], item["_data_"]
                    if type(data) is str:
                        if name == "uuid_hex":
                            found = uuids.get(data)
                            state[key] = found if found is not None else self._uuid(data)
                        else:
                            state[key] = names[name].decode(data)
                        continue
                state[key] = self._rebuild(item)
            elif kind is list or kind is float:
                state[key] = self._rebuild(item)
        return state

    def _rebuild(self, value: Any) -> Any:
        """The transcoder's types back from their JSON objects, innermost first (as its
        hook sees them); an unknown type name raises, as the library's does, and so does
        a float (`Unsure`: orjson reads an integer beyond 64 bits as one)."""
        kind = type(value)
        if kind is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                data = value["_data_"]
                if type(data) is dict or type(data) is list or type(data) is float:
                    data = self._rebuild(data)
                name = value["_type_"]
                if name == "uuid_hex" and type(data) is str:
                    return self._uuid(data)
                return self.names[name].decode(data)
            for key, item in value.items():
                kind = type(item)
                if kind is dict or kind is list or kind is float:
                    value[key] = self._rebuild(item)
            return value
        if kind is list:
            return [self._rebuild(item)
                    if type(item) is dict or type(item) is list or type(item) is float
                    else item for item in value]
        if kind is float:
            raise Unsure
        return value


    def _uuid(self, text: str) -> Any:
        found = self.uuids.get(text)
        if found is None:
            found = self.names["uuid_hex"].decode(text)
            if type(found) is UUID:
                found = replay_id(text)
            if len(self.uuids) >= UUID_CACHE:
                self.uuids.clear()
            self.uuids[text] = found
        return found

    def _originator_id(self, value: Any) -> Any:
        if type(value) is not UUID:
            return value
        found = self.ids.get(value)
        if found is None:
            found = replay_id(value.hex)
            if len(self.ids) >= UUID_CACHE:
                self.ids.clear()
            self.ids[found] = found
        return found


class ReplayId(UUID):
    """A UUID that keeps its text: projections write ids as text, the same ones again and
    again, and a UUID works its text out anew each time. Equal to, and hashed as, the
    UUID of the same value."""

    __slots__ = ("_text",)

    def __str__(self) -> str:
        try:
            return self._text  # type: ignore[no-any-return]
        except AttributeError:  # a copy made without it
            return UUID.__str__(self)

    def __repr__(self) -> str:
        return f"UUID('{self}')"  # as the UUID it stands for


def replay_id(text: str) -> ReplayId:
    made = ReplayId(text)
    object.__setattr__(made, "_text", UUID.__str__(made))
    return made


class Unsure(Exception):
    """A value the library's decoder might read otherwise: it decodes the event."""
