"""The read gate's entrance for routers and pages: an actor's scope of one kind of thing."""

from __future__ import annotations

from uuid import UUID

from timebank.application import authz
from timebank.application.base import BaseServices
from timebank.domain.actors import Actor
from timebank.domain.reading import ReadScope


class ReadingServices(BaseServices):
    def read_scope(
        self, actor: Actor, readable: authz.Readable, office_id: UUID | str | None = None
    ) -> ReadScope:
        """What of `readable` the actor may list: the subtree of `office_id` (by default
        the actor's own office), everything for an administrator without one, or a
        volunteer's own. Refused with `forbidden`; an unknown office is `not_found`."""
        if actor.kind == "volunteer" and readable.own:
            return authz.read_scope(actor, readable, None)
        chosen = office_id or actor.office_id
        office = self.load_office(chosen) if chosen else None
        return authz.read_scope(actor, readable, office)
