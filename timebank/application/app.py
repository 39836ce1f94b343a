"""The timebank application: one eventsourcing Application with the commands of each area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import BaseAggregate

from timebank.application.accounts import AccountServices
from timebank.application.audit import AuditServices
from timebank.application.books import BooksServices
from timebank.application.certificates import CertificateServices
from timebank.application.corrections import CorrectionServices
from timebank.application.entities import EntityServices
from timebank.application.exports import ExportServices
from timebank.application.funds import FundServices
from timebank.application.group_accounts import GroupAccountServices
from timebank.application.interbank import InterbankServices
from timebank.application.kiosks import KioskServices
from timebank.application.offices import OfficeServices
from timebank.application.ports import KioskUsageLog, Vault
from timebank.application.reading import ReadingServices
from timebank.application.records import RecordServices
from timebank.application.scans import ScanServices
from timebank.application.service_requests import RequestServices
from timebank.application.transfers import TransferServices
from timebank.application.users import UserServices
from timebank.application.volunteers import VolunteerServices
from timebank.domain.attendance import Presence
from timebank.domain.funds import Fund
from timebank.domain.kiosks import CatalogItem
from timebank.domain.time_accounts import HoursPool, TimeAccount
from timebank.domain.users import User
from timebank.domain.volunteers import Passbook, Volunteer
from timebank.security.api_keys import ApiKeys
from timebank.security.keys import derive_key
from timebank.security.pins import PinHasher
from timebank.security.qr_tokens import ScanTokens
from timebank.security.signing import Signer
from timebank.settings import Settings

AGGREGATE_CACHE_SIZE = 10_000


class TimebankApp(
    ReadingServices,
    OfficeServices,
    UserServices,
    VolunteerServices,
    AccountServices,
    ScanServices,
    CorrectionServices,
    TransferServices,
    KioskServices,
    CertificateServices,
    BooksServices,
    FundServices,
    EntityServices,
    AuditServices,
    RecordServices,
    ExportServices,
    InterbankServices,
    RequestServices,
    GroupAccountServices,
):
    name = "timebank"
    snapshotting_intervals: ClassVar = {
        Passbook: 100, CatalogItem: 100, Presence: 100, Fund: 100, TimeAccount: 100,
        HoursPool: 100, Volunteer: 100, User: 100,
    }

    def __init__(
        self,
        settings: Settings,
        vault: Vault,
        kiosk_usage: KioskUsageLog,
        store_env: dict[str, str] | None = None,
    ) -> None:
        """`store_env` names another event store than the settings' (the tests' in-memory
        one: {"PERSISTENCE_MODULE": "eventsourcing.popo"})."""
        self.settings = settings
        self.vault = vault
        self.api_keys = ApiKeys(settings.resolved_secret_key)
        self.fingerprint_key = derive_key(settings.resolved_secret_key, "idempotency")
        self.scan_tokens = ScanTokens(settings.resolved_secret_key)
        self.pins = PinHasher(settings.resolved_secret_key)
        self.signer = Signer(settings.resolved_secret_key)
        self.kiosk_usage = kiosk_usage
        # Instance override: the interval is a setting, the class value only switches it on.
        interval = settings.passbook_snapshot_interval
        self.snapshotting_intervals = {
            Passbook: interval,
            CatalogItem: interval,
            Presence: interval,
            Fund: interval,
            TimeAccount: interval,
            HoursPool: interval,
            # Accounts gain an event at every login (their sessions), so they live long too.
            Volunteer: interval,
            User: interval,
        }
        env = dict(store_env) if store_env is not None else settings.event_store_env()
        env.update(
            {
                "CREATE_TABLE": "y",
                # Cached aggregates are brought up to date from the store when a command
                # reads them (timebank/application/repository.py), so a cache never answers
                # with stale state, even with several processes.
                "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE),
                "AGGREGATE_CACHE_FASTFORWARD": "y",
            }
        )
        super().__init__(env=env)
        # Set by the serving process to count stored events (metrics); a no-op otherwise.
        self.on_events_stored: Callable[[int], None] = lambda _count: None

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """The library's `save` (eventsourcing 9.5, pinned), collecting an aggregate's events
        without the library's two Protocol checks per object (`DomainEventProtocol`, then
        `CollectEventsProtocol`): on Python 3.11 each walks the protocol's classes, about
        18 µs an aggregate in all, where the check of the library's aggregate class below
        costs nothing. Events and other objects go the library's way."""
        processing_event: ProcessingEvent[Any] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, BaseAggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, as its save
        return recordings

    def _record(self, processing_event: Any) -> list[Any]:
        recordings = super()._record(processing_event)
        # Stored: the command's aggregates are now the newest versions, so the next command
        # finds them cached instead of reading them again.
        self.repository.remember_saved(processing_event.aggregates.values())
        self.on_events_stored(len(recordings))
        return recordings

    def _take_snapshots(self, processing_event: Any) -> None:
        """The library reloads an aggregate from the store to snapshot it; the one just saved
        is that state already, when the snapshot's version is its last."""
        if not self.snapshots:
            return
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval is None or event.originator_version % interval:
                continue
            if aggregate.version == event.originator_version:
                snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
                self.snapshots.put([snapshot_class.take(aggregate)])
            else:
                self.take_snapshot(event.originator_id, event.originator_version)
