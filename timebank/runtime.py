"""The write side, assembled from settings: engine, key vault, token signer, application."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from timebank.application import TimebankApp
from timebank.infrastructure.database import make_engine
from timebank.infrastructure.migrations import upgrade
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

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()


def build_runtime(settings: Settings, migrate: bool = True) -> Runtime:
    if migrate:
        upgrade(settings)
    engine = make_engine(settings)
    secret = settings.resolved_secret_key
    vault = PersonalDataVault(engine, secret, settings.var_dir / "erased_subjects")
    if migrate:
        # A restored backup may predate erasures: apply every recorded one again.
        vault.reapply_erasures()
    return Runtime(
        settings=settings,
        engine=engine,
        vault=vault,
        signer=TokenSigner(secret, settings.token_ttl_seconds),
        app=TimebankApp(settings, vault, engine),
    )
