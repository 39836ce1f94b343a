"""Apply the Alembic migrations (read models and side tables) for the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations
from timebank.settings import Settings


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings) -> None:
    command.upgrade(alembic_config(settings), "head")
