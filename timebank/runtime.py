"""The write side, assembled from settings: engine, key vault, token signer, application."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from timebank.application import TimebankApp
from timebank.partitions import Partitions, build_partitions
from timebank.security.personal_data import PersonalDataVault
from timebank.security.tokens import TokenSigner
from timebank.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    vault: PersonalDataVault
    signer: TokenSigner
    app: TimebankApp
    # `app`, `engine` and `vault` are the directory's; bank partitions, if any, beside them.
    partitions: Partitions

    def close(self) -> None:
        self.partitions.close()


def build_runtime(settings: Settings, migrate: bool = True) -> Runtime:
    partitions = build_partitions(settings, migrate)
    directory = partitions.directory
    return Runtime(
        settings=settings,
        engine=directory.engine,
        vault=directory.vault,
        signer=TokenSigner(settings.resolved_secret_key, settings.token_ttl_seconds),
        app=directory.app,
        partitions=partitions,
    )
