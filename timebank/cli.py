"""The `timebank` command."""

from __future__ import annotations

import json
import logging
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from timebank.settings import Settings, served_url

app = typer.Typer(help="公益时间银行 timebank — serve, migrate and operate.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
projections_app = typer.Typer(help="Read models fed from the event log.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo district.", no_args_is_help=True)
scans_app = typer.Typer(help="QR check-in and check-out.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail and its hash chain.", no_args_is_help=True)
volunteers_app = typer.Typer(help="Volunteers.", no_args_is_help=True)
banks_app = typer.Typer(help="Banks in their own databases (TIMEBANK_BANK_DATABASES).",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(projections_app, name="projections")
app.add_typer(demo_app, name="demo")
app.add_typer(scans_app, name="scans")
app.add_typer(audit_app, name="audit")
app.add_typer(volunteers_app, name="volunteers")
app.add_typer(banks_app, name="banks")
interbank_app = typer.Typer(help="通存通兑: hours moved between the city's banks.",
                            no_args_is_help=True)
app.add_typer(interbank_app, name="interbank")


def _runtime(migrate: bool = True):
    from timebank.runtime import build_runtime

    return build_runtime(Settings(), migrate=migrate)


def _runner(runtime):
    # The CLI is an adapter at the edge: it may assemble read and write sides together.
    from projections.runner import ProjectionRunner

    return ProjectionRunner(runtime.app, runtime.engine)


PartitionOption = Annotated[
    str | None,
    typer.Option(help="One bank partition, `directory` or `city` (default: all of them)."),
]


def _partition_runners(runtime, partition: str | None) -> list[tuple[str, object]]:
    """(label, runner) for each partition chosen; the city rollup as "city". With one
    database: the one runner, labelled "" so that the output reads as it always has."""
    from projections.city import CityRollup
    from projections.runner import ProjectionRunner

    partitions = runtime.partitions
    if not partitions.banks:
        return [("", _runner(runtime))]
    chosen = [p for p in partitions.all() if partition in (None, p.key)]
    runners: list[tuple[str, object]] = [
        (p.key, ProjectionRunner(p.app, p.engine)) for p in chosen]
    if partition in (None, "city"):
        runners.append(("city", CityRollup(partitions)))
    if not runners:
        typer.echo(f"error: no partition {partition!r}", err=True)
        raise typer.Exit(code=2)
    return runners


def _label(key: str) -> str:
    return f"[{key}] " if key else ""


def _chosen_partitions(runtime, partition: str | None) -> list[tuple[str, object]]:
    """(label, partition) for each store an operator command acts on: every partition (or
    the one named); with one database the directory alone, labelled "" as it always was."""
    partitions = runtime.partitions
    if not partitions.banks:
        return [("", partitions.directory)]
    chosen = [(p.key, p) for p in partitions.all() if partition in (None, p.key)]
    if not chosen:
        typer.echo(f"error: no partition {partition!r}", err=True)
        raise typer.Exit(code=2)
    return chosen


StorePartitionOption = Annotated[
    str | None, typer.Option(help="One bank partition or `directory` (default: all of them).")]


def _backup_path(target: str, key: str) -> Path:
    """A bank partition's backup beside the directory's: var/b.db -> var/b.east.db."""
    path = Path(target)
    return path.with_name(f"{path.stem}.{key}{path.suffix}") if key else path


@app.command()
def migrate() -> None:
    """Apply the database migrations (read models and side tables)."""
    from timebank.infrastructure.migrations import upgrade

    upgrade(Settings())
    typer.echo("migrations applied")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="API worker processes.")] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Create a demo district first if the database is empty.")
    ] = False,
) -> None:
    """Migrate, then serve the API and the web pages."""
    import uvicorn

    from api.serving import NO_DELAY_HTTP
    from timebank.infrastructure.migrations import upgrade

    settings = Settings()
    if not settings.public_base_url_set:
        # QR codes and links name the port actually served; the workers read this setting.
        os.environ["TIMEBANK_SERVED_URL"] = served_url(host, port)
    upgrade(settings)
    if demo:
        _seed_demo()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if settings.is_postgres and not settings.secret_key:
        # The key peppers PINs (and wraps personal data): beside the database it guards
        # nothing against whoever copies both (docs/security.md).
        typer.echo(
            f"WARNING: PostgreSQL with the key generated into {settings.var_dir}/secret_key. "
            "Set TIMEBANK_SECRET_KEY from the environment (kept apart from the database and "
            "its backups): PINs are peppered with it and personal data wrapped with it.",
            err=True)
    public = settings.public_base_url if settings.public_base_url_set else served_url(host, port)
    typer.echo(f"timebank serving on http://{host}:{port}  (pages: {public}/ , API docs: "
               f"{public}/docs; QR codes and links use {public})")
    uvicorn.run(
        "api.app:create_served_app", factory=True, host=host, port=port, workers=workers,
        log_level="info",
        # uvicorn leaves Nagle's algorithm on with --workers N: +40 ms per keep-alive answer.
        http=NO_DELAY_HTTP,
        # Uvicorn's access log prints whole URLs (scan tokens, passbook numbers); the app's
        # own request log (timebank.requests) records route templates and request ids.
        access_log=False,
    )


def _seed_demo() -> None:
    from timebank.demo import seed_demo

    runtime = _runtime()
    try:
        summary = seed_demo(runtime.app)
        _runner(runtime).catch_up()
    finally:
        runtime.close()
    if summary is None:
        typer.echo("the database already holds events: no demo district added")
        return
    typer.echo("demo district created:")
    for line in summary:
        typer.echo(f"  {line}")


@demo_app.command("seed")
def demo_seed() -> None:
    """Create the demo district (a bank, branches, savings offices, volunteers, history)."""
    _seed_demo()


@users_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(help="Login name.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.", prompt=True,
                                          hide_input=True)],
) -> None:
    """Create a system administrator (running it again is harmless)."""
    from timebank.domain.errors import DomainError

    runtime = _runtime()
    try:
        _user, created = runtime.app.ensure_admin(username, password)
    except DomainError as exc:
        typer.echo(f"error: {exc.message} / {exc.message_zh}", err=True)
        raise typer.Exit(code=2) from exc
    finally:
        runtime.close()
    typer.echo(f"administrator {username!r} " + ("created" if created else "already exists"))


@banks_app.command("open")
def banks_open(
    name: Annotated[str, typer.Option(help="The bank's name.")],
    partition: Annotated[str, typer.Option(help="A key of TIMEBANK_BANK_DATABASES.")],
) -> None:
    """Open a bank in its own partition; prints its id. Its offices, staff and volunteers
    then live in that partition's database."""
    from timebank.domain.actors import SYSTEM
    from timebank.domain.errors import DomainError

    runtime = _runtime()
    try:
        bank = runtime.partitions.open_bank(SYSTEM, name, partition)
    except DomainError as exc:
        typer.echo(f"error: {exc.message} / {exc.message_zh}", err=True)
        raise typer.Exit(code=2) from exc
    finally:
        runtime.close()
    typer.echo(str(bank.id))


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[list[str] | None, typer.Argument(help="Projections to rebuild (all).")] = None,
    partition: PartitionOption = None,
    processes: Annotated[int | None, typer.Option(
        help="Replay in this many processes, groups of projections each (PostgreSQL; "
             "default: one per CPU core).")] = None,
) -> None:
    """Replay the whole event log into shadow tables, then swap them in for the read
    models in one transaction: the live tables keep serving until then."""
    import os

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    logging.getLogger("projections.rebuild").setLevel(logging.INFO)  # its steps, timed
    runtime = _runtime()
    try:
        for key, runner in _partition_runners(runtime, partition):
            if key == "city":
                if not name:  # the city rollup is rebuilt with "all", or on its own
                    runner.rebuild()  # type: ignore[attr-defined]
            else:
                runner.rebuild(name or None,  # type: ignore[attr-defined]
                               processes=processes or os.cpu_count() or 1)
            for status in runner.status():  # type: ignore[attr-defined]
                typer.echo(f"{_label(key)}{status.name}: position {status.position} "
                           f"(head {status.head})")
    finally:
        runtime.close()


@projections_app.command("status")
def projections_status(partition: PartitionOption = None) -> None:
    """Each projection's position in the event log and its lag."""
    runtime = _runtime()
    try:
        for key, runner in _partition_runners(runtime, partition):
            for status in runner.status():  # type: ignore[attr-defined]
                typer.echo(f"{_label(key)}{status.name}: position {status.position}, "
                           f"lag {status.lag}")
    finally:
        runtime.close()


@projections_app.command("run")
def projections_run(
    interval: Annotated[float | None, typer.Option(
        help="Seconds between polls on SQLite (default 0.5). On PostgreSQL the worker is "
             "woken by every write (LISTEN/NOTIFY) and polls only as a safety net "
             "(default 60).")] = None,
    partition: PartitionOption = None,
    threads: Annotated[int, typer.Option(
        help="Follow each partition's projections in this many threads (groups of them), "
             "each reading the log itself: database waits overlap.")] = 1,
) -> None:
    """Follow the event log and keep the read models current, until interrupted: catch
    up in large batches, then wait for new events. Several workers may run at once; each
    batch is still applied exactly once. Serve with TIMEBANK_FOLLOW_PROJECTIONS=false
    to leave the following to workers."""
    import threading

    from projections.runner import ProjectionRunner
    from projections.worker import follow
    from timebank.infrastructure.log_notifications import LogBell

    logging.basicConfig(level=logging.INFO)
    runtime = _runtime()
    bell = LogBell()
    for store in runtime.partitions.all():
        bell.listen_to_store(store.settings.resolved_database_url, store.engine,
                             store.settings.database_schema)
    stop = threading.Event()
    followers: list[tuple[str, object]] = []
    for key, runner in _partition_runners(runtime, partition):
        if threads > 1 and isinstance(runner, ProjectionRunner):
            followers += [(key, part) for part in runner.split(threads)]
        else:
            followers.append((key, runner))

    def request_stop(_signal: int, _frame: object) -> None:
        # Ctrl-C or a service manager's SIGTERM: finish the batch at hand, then stop,
        # rather than interrupting a transaction half way through its database calls.
        stop.set()
        bell.ring()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    def catch_up(runner: object):
        if isinstance(runner, ProjectionRunner):
            return lambda: runner.catch_up(stop=stop)
        return runner.catch_up  # type: ignore[attr-defined]

    workers = [threading.Thread(target=follow, args=(catch_up(runner), bell, stop, interval,
                                                     key))
               for key, runner in followers]
    for worker in workers:
        worker.start()
    try:
        while any(worker.is_alive() for worker in workers):
            stop.wait(0.5)  # the main thread only waits: signals are handled here
    finally:
        stop.set()
        bell.close()
        for worker in workers:
            worker.join()
        runtime.close()


@interbank_app.command("run")
def interbank_run(
    interval: Annotated[float, typer.Option(help="Seconds between passes.")] = 0.5,
    once: Annotated[bool, typer.Option(
        "--once", help="Stop after a pass that finds nothing pending in any partition.")
    ] = False,
    batch: Annotated[int, typer.Option(
        min=1, help="At most this many transfers of each partition per pass.")] = 1000,
) -> None:
    """Drive pending inter-bank transfers: the receiving bank decides, the sending bank
    posts or voids. Kill it at any moment and start it again: no step is applied twice.
    SIGINT/SIGTERM stop it between transfers."""
    import threading

    from api.background import pending_interbank_transfers
    from timebank.interbank import CityTransfers

    logging.basicConfig(level=logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda _s, _f: stop.set())
    signal.signal(signal.SIGTERM, lambda _s, _f: stop.set())
    runtime = _runtime()
    try:
        city = CityTransfers(runtime.partitions)
        pending = pending_interbank_transfers(runtime.partitions, batch)
        while not stop.is_set():
            try:
                report = city.drive(pending)
            except Exception:  # a database down: the next pass tries again
                logging.getLogger(__name__).exception("inter-bank pass failed")
                report = None
            if report is not None and report.settled:
                typer.echo(f"posted {report.posted}, voided {report.voided}, "
                           f"pending {report.still_pending}")
            if once and report is not None and report.idle:
                break
            stop.wait(interval)
    finally:
        runtime.close()


@scans_app.command("close-overdue")
def scans_close_overdue(partition: StorePartitionOption = None) -> None:
    """Close check-ins whose activity ended (plus grace) without a check-out, flagged."""
    from api.background import close_overdue_check_ins
    from projections.runner import ProjectionRunner

    runtime = _runtime()
    try:
        for key, p in _chosen_partitions(runtime, partition):
            closed = close_overdue_check_ins(p.app, ProjectionRunner(p.app, p.engine))
            typer.echo(f"{_label(key)}closed {closed} forgotten check-out(s)")
    finally:
        runtime.close()


@audit_app.command("verify")
def audit_verify(
    partition: StorePartitionOption = None,
    anchor: Annotated[Path | None, typer.Option(
        help="Checkpoints exported earlier (`audit export-anchor`), kept where a database "
             "writer cannot reach them: the chain must pass through each.")] = None,
) -> None:
    """Recompute the hash chain over each event log; exit 1 at the first broken position,
    the checkpoint the chain departs from, or the first day missing its checkpoint. Each
    partition has its own log and chain, verified on its own."""
    from projections.audit_queries import verify_chain
    from projections.runner import ProjectionRunner

    anchored = read_anchor(anchor) if anchor else None
    broken = False
    runtime = _runtime()
    try:
        for key, p in _chosen_partitions(runtime, partition):
            ProjectionRunner(p.app, p.engine).catch_up()
            result = verify_chain(p.app.recorder, p.engine, p.app.mapper,
                                  p.app.trusted_checkpoint_keys, anchor=anchored)
            if result["ok"]:
                extra = f", {result['anchor_checked']} anchored checkpoints" if anchored else ""
                typer.echo(f"{_label(key)}ok: {result['events_checked']} events verified{extra}")
                continue
            broken = True
            if result.get("missing_checkpoint_day"):
                typer.echo(f"{_label(key)}BROKEN: no checkpoint for "
                           f"{result['missing_checkpoint_day']}, a day the log grew (from "
                           f"position {result['first_bad_position']})", err=True)
            elif result.get("checkpoint_day"):
                typer.echo(f"{_label(key)}BROKEN: the chain disagrees with the checkpoint of "
                           f"{result['checkpoint_day']} at position "
                           f"{result['first_bad_position']}", err=True)
            else:
                typer.echo(f"{_label(key)}BROKEN: the chain first differs at position "
                           f"{result['first_bad_position']} "
                           f"({result.get('reason', 'chain_mismatch')})", err=True)
    finally:
        runtime.close()
    if broken:
        raise typer.Exit(code=1)


def read_anchor(path: Path) -> list[dict[str, Any]]:
    """An anchor file: one signed checkpoint per line, as `audit export-anchor` writes."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


@audit_app.command("export-anchor")
def audit_export_anchor(
    file: Annotated[Path, typer.Argument(help="The anchor file an auditor keeps; checkpoints "
                                              "not yet in it are appended.")],
) -> None:
    """Export the signed checkpoints to a file kept outside the database (append-only)."""
    from projections.audit_queries import exported_checkpoints

    runtime = _runtime()
    try:
        _runner(runtime).catch_up()
        checkpoints = exported_checkpoints(runtime.engine, runtime.app)
    finally:
        runtime.close()
    known = {entry["day"] for entry in read_anchor(file)} if file.exists() else set()
    fresh = [c for c in checkpoints if c["day"] not in known]
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a", encoding="utf-8") as out:
        for checkpoint in fresh:
            out.write(json.dumps(checkpoint, sort_keys=True) + "\n")
    typer.echo(f"{len(fresh)} checkpoint(s) added to {file} ({len(known) + len(fresh)} in all)")


@audit_app.command("checkpoint")
def audit_checkpoint(partition: StorePartitionOption = None) -> None:
    """Sign and record today's chain head of each log (the server also does this daily)."""
    from api.background import record_daily_checkpoint
    from projections.runner import ProjectionRunner

    runtime = _runtime()
    try:
        for key, p in _chosen_partitions(runtime, partition):
            created = record_daily_checkpoint(p.app, ProjectionRunner(p.app, p.engine))
            typer.echo(_label(key) + ("checkpoint recorded" if created
                                      else "today's checkpoint already exists"))
    finally:
        runtime.close()


@volunteers_app.command("erase")
def volunteers_erase(
    volunteer_id: Annotated[str, typer.Argument(help="The volunteer's id.")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")] = (
        "本人申请删除个人信息"
    ),
) -> None:
    """Erase a volunteer's personal data: destroys their key; every figure stays."""
    from timebank.domain.actors import SYSTEM
    from timebank.domain.errors import DomainError

    runtime = _runtime()
    try:
        # The volunteer's own bank partition (ids are unique city-wide): erased there.
        runtime.partitions.locate(volunteer_id).app.erase_volunteer(SYSTEM, volunteer_id, reason)
    except DomainError as exc:
        typer.echo(f"error: {exc.message} / {exc.message_zh}", err=True)
        raise typer.Exit(code=2) from exc
    finally:
        runtime.close()
    typer.echo(f"personal data of volunteer {volunteer_id} erased")


@app.command()
def backup(
    target: Annotated[str, typer.Argument(help="File to write the backup to.")],
) -> None:
    """Online backup of the SQLite database (events, read models, keys) while serving;
    with bank partitions, each partition's file beside it (b.db, b.east.db, …).

    PostgreSQL: use pg_dump, see docs/operations.md."""
    from timebank.infrastructure.backup import backup_sqlite

    settings = Settings()
    stores = [("", settings)] + [(key, settings.for_bank_partition(key))
                                 for key in settings.bank_databases]
    if any(s.is_postgres for _key, s in stores):
        typer.echo("PostgreSQL: use pg_dump for each database (docs/operations.md)", err=True)
        raise typer.Exit(code=2)
    for key, s in stores:
        written = _backup_path(target, key)
        pages = backup_sqlite(s.sqlite_path(), written)
        typer.echo(f"{_label(key)}backed up {s.sqlite_path()} to {written} ({pages} pages)")


@app.command()
def restore(
    source: Annotated[str, typer.Argument(help="A file written by `timebank backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing database.")] = False,
) -> None:
    """Restore a SQLite backup into the configured database file (stop the server first);
    with bank partitions, each partition's file written beside it by `timebank backup`."""
    from timebank.infrastructure.backup import restore_sqlite

    settings = Settings()
    stores = [("", settings)] + [(key, settings.for_bank_partition(key))
                                 for key in settings.bank_databases]
    if any(s.is_postgres for _key, s in stores):
        typer.echo("PostgreSQL: use pg_restore for each database (docs/operations.md)", err=True)
        raise typer.Exit(code=2)
    for key, s in stores:
        if not _backup_path(source, key).exists():
            typer.echo(f"{_backup_path(source, key)} is missing", err=True)
            raise typer.Exit(code=2)
        if s.sqlite_path().exists() and not force:
            typer.echo(f"{s.sqlite_path()} exists; add --force to replace it", err=True)
            raise typer.Exit(code=2)
    for key, s in stores:
        restore_sqlite(_backup_path(source, key), s.sqlite_path())
    runtime = _runtime(migrate=False)
    try:
        again = sum(p.vault.reapply_erasures() for p in runtime.partitions.all())
    finally:
        runtime.close()
    restored = ", ".join(str(s.sqlite_path()) for _key, s in stores)
    typer.echo(f"restored {source} into {restored}; {again} erasure(s) made "
               "since the backup applied again; run `timebank audit verify`")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
