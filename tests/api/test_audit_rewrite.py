"""The attack that rewrote history (issue 17, item 2), as a test on both stores.

Someone with write access to the database but not the secret edits a stored event,
deletes the checkpoints the edit contradicts, closes the gaps, rebuilds the chain — and
before this, `timebank audit verify` answered ok and the next daily checkpoint signed the
forged head. Now verification fails naming the day left without its checkpoint, against the
database's own checkpoints and against an exported anchor file (which also catches the
deletion of every checkpoint), and rebuilding the chain over a contradicted log is refused.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from api.background import record_daily_checkpoint
from projections import audit_queries
from projections.runner import ChainContradicted
from tests.api.test_audit_integrity import cli_env
from tests.helpers import HttpDistrict
from timebank.cli import app as cli
from timebank.domain.checkpoints import checkpoint_id_for
from timebank.domain.values import shanghai_date, utc_now
from timebank.settings import Settings


def tamper(runtime, position: int) -> None:
    """Rewrite a stored event in place (a byte more: still an event, no longer the one)."""
    table, column = runtime.app.recorder.events_table_name, _column(runtime)
    with runtime.engine.begin() as conn:
        state = conn.execute(text(f"SELECT state FROM {table} WHERE {column} = :p"),
                             {"p": position}).scalar_one()
        conn.execute(text(f"UPDATE {table} SET state = :s WHERE {column} = :p"),
                     {"s": bytes(state) + b" ", "p": position})


def _column(runtime) -> str:
    return "notification_id" if runtime.settings.is_postgres else "rowid"


def _delete_and_close_gaps(runtime, positions: list[int]) -> None:
    """Delete stored events and renumber the later ones, so no position is missing."""
    table, column = runtime.app.recorder.events_table_name, _column(runtime)
    with runtime.engine.begin() as conn:
        for position in sorted(positions, reverse=True):
            conn.execute(text(f"DELETE FROM {table} WHERE {column} = :p"), {"p": position})
            later = conn.execute(text(
                f"SELECT {column} FROM {table} WHERE {column} > :p ORDER BY {column}"),
                {"p": position}).scalars().all()
            for old in later:
                conn.execute(text(f"UPDATE {table} SET {column} = :n WHERE {column} = :o"),
                             {"n": old - 1, "o": old})


def _checkpoint_positions(runtime, days) -> list[int]:
    table, column = runtime.app.recorder.events_table_name, _column(runtime)
    with runtime.engine.connect() as conn:
        return [conn.execute(text(
            f"SELECT {column} FROM {table} WHERE originator_id = :i"),
            {"i": str(checkpoint_id_for(day)) if runtime.settings.is_postgres
             else checkpoint_id_for(day).hex}).scalar_one() for day in days]


def test_a_rewrite_that_deletes_its_checkpoints_is_caught(
        client: TestClient, settings: Settings, tmp_path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = client.app.state.runtime
    app, runner, engine = runtime.app, client.app.state.runner, runtime.engine
    d = HttpDistrict.build(client)
    today = shanghai_date(utc_now())
    days = [today - timedelta(days=2), today - timedelta(days=1), today]

    def sign(day) -> int:
        runner.catch_up()
        position, head = audit_queries.chain_head(engine)
        assert app.record_checkpoint(day, position, head) is not None
        return position

    signed_at = []
    for n, day in enumerate(days):
        d.volunteer(name=f"志愿者{n}")
        signed_at.append(sign(day))
    d.volunteer(name="后来者")
    runner.catch_up()
    anchor = audit_queries.exported_checkpoints(engine, app)
    assert [c["day"] for c in anchor] == [day.isoformat() for day in days]
    anchor_file = tmp_path / "anchor.jsonl"
    anchor_file.write_text("".join(json.dumps(c) + "\n" for c in anchor), encoding="utf-8")

    def verify(**options):
        runner.catch_up()
        return audit_queries.verify_chain(app.recorder, engine, app.mapper,
                                          app.trusted_checkpoint_keys,
                                          today=today + timedelta(days=1), **options)

    assert verify()["ok"] and verify(anchor=anchor)["ok"]

    # The edit: an event between the first and the second checkpoint (after the first
    # checkpoint's own event).
    victim = signed_at[0] + 2
    tamper(runtime, victim)
    assert verify()["first_bad_position"] == victim
    # Rebuilding the chain over it would contradict the signed checkpoints: refused.
    with pytest.raises(ChainContradicted) as refused:
        runner.rebuild(["audit"])
    assert refused.value.problem["checkpoint_day"] == days[1].isoformat()
    assert verify()["first_bad_position"] == victim  # nothing was dropped
    # Nor is today's checkpoint signed over it (the day of the daily job).
    assert record_daily_checkpoint(app, runner) is False

    # So the attacker deletes the checkpoints it contradicts, closes the gaps, rebuilds.
    _delete_and_close_gaps(runtime, _checkpoint_positions(runtime, days[1:]))
    app.repository.cache.cache.clear()
    runner.rebuild(["audit"])
    own = verify()
    assert own["ok"] is False
    assert own["missing_checkpoint_day"] == today.isoformat()  # a day the log grew
    anchored = verify(anchor=anchor)
    assert anchored["ok"] is False
    # The anchor names the signed head the rewritten chain departs from.
    assert anchored["checkpoint_day"] == days[1].isoformat()
    assert anchored["first_bad_position"] == signed_at[1]

    # Deleting every checkpoint defeats the database's own record — not the anchor.
    _delete_and_close_gaps(runtime, _checkpoint_positions(runtime, days[:1]))
    runner.rebuild(["audit"])
    assert verify()["ok"] is True  # nothing signed is left in the database to contradict
    assert verify(anchor=anchor)["ok"] is False
    cli_env(monkeypatch, settings)
    result = CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(anchor_file)])
    assert result.exit_code == 1, result.output
    assert f"checkpoint of {days[1].isoformat()}" in result.output


def test_the_anchor_is_exported_and_published(client: TestClient, settings: Settings,
                                              tmp_path, monkeypatch) -> None:
    d = HttpDistrict.build(client)
    d.volunteer()
    runtime = client.app.state.runtime
    assert record_daily_checkpoint(runtime.app, client.app.state.runner)
    cli_env(monkeypatch, settings)
    anchor_file = tmp_path / "kept" / "anchor.jsonl"
    first = CliRunner().invoke(cli, ["audit", "export-anchor", str(anchor_file)])
    assert first.exit_code == 0, first.output and "1 checkpoint(s) added" in first.output
    again = CliRunner().invoke(cli, ["audit", "export-anchor", str(anchor_file)])
    assert "0 checkpoint(s) added" in again.output
    (line,) = anchor_file.read_text().splitlines()
    exported = json.loads(line)
    assert exported["day"] == shanghai_date(utc_now()).isoformat()
    ok = CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(anchor_file)])
    assert ok.exit_code == 0, ok.output
    page = client.get("/transparency/checkpoints")
    assert page.status_code == 200
    assert exported["chain_hash"] in page.text and exported["signature"] in page.text
    published = client.get("/transparency/checkpoints.jsonl")
    assert published.status_code == 200
    assert json.loads(published.text.splitlines()[0]) == exported
