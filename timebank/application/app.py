"""The timebank application: one eventsourcing Application with the commands of each area."""

from __future__ import annotations

from typing import ClassVar

from timebank.application.offices import OfficeServices
from timebank.application.service_records import ServiceRecordServices
from timebank.application.transfers import TransferServices
from timebank.application.users import UserServices
from timebank.application.volunteers import VolunteerServices
from timebank.domain.volunteers import Passbook
from timebank.security.personal_data import PersonalDataVault
from timebank.settings import Settings

AGGREGATE_CACHE_SIZE = 10_000


class TimebankApp(
    OfficeServices,
    UserServices,
    VolunteerServices,
    ServiceRecordServices,
    TransferServices,
):
    name = "timebank"
    snapshotting_intervals: ClassVar = {Passbook: 100}

    def __init__(self, settings: Settings, vault: PersonalDataVault) -> None:
        self.settings = settings
        self.vault = vault
        # Instance override: the interval is a setting, the class value only switches it on.
        self.snapshotting_intervals = {Passbook: settings.passbook_snapshot_interval}
        env = settings.event_store_env()
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
