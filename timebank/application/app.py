"""The timebank application: one eventsourcing Application with the commands of each area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from timebank.application.audit import AuditServices
from timebank.application.certificates import CertificateServices
from timebank.application.entities import EntityServices
from timebank.application.funds import FundServices
from timebank.application.interbank import InterbankServices
from timebank.application.kiosks import KioskServices
from timebank.application.offices import OfficeServices
from timebank.application.ports import KioskUsageLog, Vault
from timebank.application.reading import ReadingServices
from timebank.application.scans import ScanServices
from timebank.application.transfers import TransferServices
from timebank.application.users import UserServices
from timebank.application.volunteers import VolunteerServices
from timebank.domain.attendance import Presence
from timebank.domain.funds import Fund
from timebank.domain.kiosks import CatalogItem
from timebank.domain.time_accounts import HoursPool, TimeAccount
from timebank.domain.volunteers import Passbook
from timebank.security.api_keys import ApiKeys
from timebank.security.keys import derive_key
from timebank.security.qr_tokens import ScanTokens
from timebank.security.signing import Signer
from timebank.settings import Settings

AGGREGATE_CACHE_SIZE = 10_000


class TimebankApp(
    ReadingServices,
    OfficeServices,
    UserServices,
    VolunteerServices,
    ScanServices,
    TransferServices,
    KioskServices,
    CertificateServices,
    FundServices,
    EntityServices,
    AuditServices,
    InterbankServices,
):
    name = "timebank"
    snapshotting_intervals: ClassVar = {
        Passbook: 100, CatalogItem: 100, Presence: 100, Fund: 100, TimeAccount: 100,
        HoursPool: 100,
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
        }
        env = dict(store_env) if store_env is not None else settings.event_store_env()
        env.update(
            {
                "CREATE_TABLE": "y",
                # Cached aggregates are fast-forwarded from the store on every get, so a
                # cache never answers with stale state, even with several processes.
                "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE),
                "AGGREGATE_CACHE_FASTFORWARD": "y",
            }
        )
        super().__init__(env=env)
        # Set by the serving process to count stored events (metrics); a no-op otherwise.
        self.on_events_stored: Callable[[int], None] = lambda _count: None

    def _record(self, processing_event: Any) -> list[Any]:
        recordings = super()._record(processing_event)
        self.on_events_stored(len(recordings))
        return recordings
