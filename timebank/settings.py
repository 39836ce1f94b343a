"""The one place that reads the environment (and an optional `.env`)."""

from __future__ import annotations

import os
import secrets
import time
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def served_url(host: str, port: int) -> str:
    """The address a server listening on host:port is reached at from this machine: a
    wildcard address is reached on the loopback one; IPv6 literals take brackets."""
    if host in ("0.0.0.0", ""):  # noqa: S104 - naming the wildcard, not binding to it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIMEBANK_", env_file=".env", extra="ignore", frozen=True
    )

    var_dir: Path = Field(default=Path("var"), description="SQLite file and dev key folder.")
    database_url: str = Field(
        default="", description="sqlite:///<file> (default: var/timebank.db) or postgresql://..."
    )
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema for events and read models (default: public)."
    )
    secret_key: str | None = Field(
        default=None, description="Signs tokens and QR codes; a dev key is generated when unset."
    )
    # The URL printed into QR codes, certificates and every absolute link. Unset, it is the
    # address `timebank serve` was started on (`served_url`, which that command sets for its
    # workers), else the default port on this machine.
    public_base_url: str = ""
    served_url: str = ""
    token_ttl_seconds: int = 8 * 3600
    # Public keys of earlier server secrets whose checkpoints still verify (key rotation).
    trusted_checkpoint_keys: list[str] = Field(default_factory=list)
    # Browser origins allowed to call the API (CORS); none unless configured.
    cors_origins: list[str] = Field(default_factory=list)
    pool_size: int = 5
    pool_max_overflow: int = 10
    # Threads the scan, approval and redemption commands run in (api/command_threads.py);
    # 0: as many as the store's pool holds connections (`pool_size`).
    command_threads: int = Field(default=0, ge=0)
    # Each API process `timebank serve` starts runs on one CPU core of its own (Linux, more
    # than one core): its threads share one GIL, and spread over cores every hand-over of
    # the GIL woke a thread on another core (api/cpu_pinning.py). False: the OS places them.
    pin_cpu: bool = True
    # Scanning: how long after (and before) an activity's window its codes work.
    scan_grace_minutes: int = 30
    live_qr_period_seconds: int = 30
    scans_per_minute: int = 10
    # Passbooks live for decades; a snapshot every N events keeps reloads bounded.
    passbook_snapshot_interval: int = 100
    # Where rate-limit counts live: this process ("memory://") or a store shared by every
    # worker, e.g. "redis://127.0.0.1:6379" (the `limits` library's storage URIs).
    rate_limit_storage: str = "memory://"
    # Key prefix in that store: deployments (or test runs) sharing one Redis count apart.
    rate_limit_namespace: str = "timebank"
    # Request bodies larger than this are refused (413) before they are read: API and pages.
    max_body_bytes: int = 1_048_576
    # `/metrics` answers only `Authorization: Bearer <this token>`; unset, it is off (404).
    metrics_token: str | None = None
    # Saves arriving together share one transaction (timebank/infrastructure/group_commit.py).
    group_commit: bool = True
    # The serving process follows the log into the read models itself (self-sufficient: one
    # SQLite process needs nothing else). False when `timebank projections run` workers do
    # it: the API then only catches up a little for a read (its callers' own writes).
    follow_projections: bool = True
    # Partitioning by district: partition key -> database URL (`#schema` optional). Empty: one
    # database for everything (see docs/design-decisions.md, "Bank partitions").
    bank_databases: dict[str, str] = Field(default_factory=dict)
    # 通存通兑: the receiving bank refuses an inter-bank transfer it first sees after this
    # many hours, and the sending bank then returns the hours (timebank/domain/interbank.py).
    interbank_deadline_hours: int = Field(default=72, ge=1, le=24 * 365)

    @model_validator(mode="after")
    def _base_url_of_the_server(self) -> Settings:
        if not self.public_base_url:
            # Frozen: set once, here, before anyone reads it.
            object.__setattr__(self, "public_base_url", self.served_url or DEFAULT_BASE_URL)
        return self

    @property
    def public_base_url_set(self) -> bool:
        """Whether TIMEBANK_PUBLIC_BASE_URL (or the caller) named the public URL."""
        return "public_base_url" in self.model_fields_set and bool(self.public_base_url)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'timebank.db'}"

    @property
    def is_postgres(self) -> bool:
        return self.resolved_database_url.startswith(("postgresql", "postgres"))

    @cached_property
    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        # Development convenience: generate once, keep beside the SQLite file, never commit it.
        key_file = self.var_dir / "secret_key"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        try:
            # Exclusive and private from the first byte: two workers starting together
            # agree on one key, and no other user can read it.
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            for _ in range(50):
                key = key_file.read_text().strip()
                if key:
                    return key
                time.sleep(0.02)  # the other worker is still writing it
            raise RuntimeError(f"{key_file} is empty") from None
        key = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key

    def for_bank_partition(self, key: str) -> Settings:
        """The settings of one bank partition: its own database, everything else shared."""
        plain = key.replace("-", "").replace("_", "")
        if not (plain.isascii() and plain.isalnum()) or len(key) > 50 or key == "directory":
            raise ValueError(f"a bank partition key is up to 50 letters, digits, - or _: {key!r}")
        url, _, schema = self.bank_databases[key].partition("#")
        return self.model_copy(update={
            "database_url": url,
            "database_schema": schema or None,
            "bank_databases": {},
            # One secret for the whole city: tokens, keys and blind indexes agree everywhere.
            "secret_key": self.resolved_secret_key,
            "var_dir": self.var_dir / "partitions" / key,
        })

    def sqlite_path(self) -> Path:
        url = self.resolved_database_url
        path = url.split(":///", 1)[1] if ":///" in url else "timebank.db"
        return Path(path)

    def sqlalchemy_url(self) -> str:
        """The read models' URL, on the same database as the events."""
        if self.is_postgres:
            parts = urlsplit(self.resolved_database_url)
            return parts._replace(scheme="postgresql+psycopg").geturl()
        return f"sqlite:///{self.sqlite_path()}"

    def sqlalchemy_connect_args(self) -> dict[str, object]:
        if self.is_postgres and self.database_schema:
            return {"options": f"-csearch_path={self.database_schema}"}
        if not self.is_postgres:
            return {"timeout": 30, "check_same_thread": False}
        return {}

    def event_store_env(self) -> dict[str, str]:
        """Environment for the `eventsourcing` library's infrastructure factory."""
        if not self.is_postgres:
            path = self.sqlite_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "30",
                **self._recorder_env("GroupCommitSQLiteRecorder"),
            }
        parts = urlsplit(self.resolved_database_url)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.pool_max_overflow),
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_CONNECT_TIMEOUT": "10",
            # The library's 5 s ended, now and then, a session creating the event store's
            # tables on a loaded machine (the test suite on two cores); a session idle in a
            # transaction longer than this is still ended and its locks released.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "15",
        }
        if self.database_schema:
            env["POSTGRES_SCHEMA"] = self.database_schema
        env.update(self._recorder_env("GroupCommitPostgresRecorder"))
        return env

    def _recorder_env(self, recorder: str) -> dict[str, str]:
        topic = "APPLICATION_RECORDER_TOPIC"
        if self.group_commit:
            return {topic: f"timebank.infrastructure.group_commit:{recorder}"}
        if self.is_postgres:  # one round trip per save, grouped or not
            return {topic: "timebank.infrastructure.recorders:OneTripPostgresRecorder"}
        return {}


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
