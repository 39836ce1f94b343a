"""通存通兑 under faults: two banks in two separate PostgreSQL servers (clusters made for this
test with Debian's pg_createcluster on free loopback ports, dropped at the end), 20
inter-bank transfers driven by `timebank interbank run` while it is killed with SIGKILL three
times and one database server is stopped and started again; beside them, three holds for
care withdrawn in the other bank, whose requests end there (confirmed, cancelled, resolved)
while the driver runs. Afterwards every transfer is posted in both banks or voided in both,
each step happened exactly once, no hour was made or lost, and the clearing report
balances.

initdb refuses to run as root (which CI is); pg_createcluster runs it as the postgres user.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from projections import time_queries
from projections.runner import ProjectionRunner
from tests.conftest import IN_CI, make_postgres_settings
from tests.helpers import District, next_phone
from tests.integration.test_crash_safety import environment, free_port
from timebank.domain.actors import SYSTEM
from timebank.domain.interbank import (
    CARE_NOT_SERVED,
    PENDING,
    POSTED,
    VOIDED,
    InterbankCredit,
    InterbankTransfer,
    care_request_id_for,
    interbank_credit_id_for,
)
from timebank.domain.time_accounts import (
    INTERBANK_IN,
    SERVICE,
    TimeAccount,
    time_account_id_for,
)
from timebank.domain.values import gb11643_check_digit
from timebank.interbank import CityTransfers
from timebank.partitions import Partition
from timebank.runtime import Runtime, build_runtime
from timebank.settings import Settings

pytestmark = pytest.mark.postgres

VERSION_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
TRANSFERS = 20
CARE_START = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def cluster_tools_problem() -> str | None:
    if not shutil.which("pg_createcluster") or not shutil.which("pg_ctlcluster"):
        return "Debian's pg_createcluster/pg_ctlcluster are not installed (postgresql-common)"
    if not VERSION_DIRS:
        return "no PostgreSQL server binaries under /usr/lib/postgresql"
    return None


class Cluster:
    """A throw-away PostgreSQL server on a free loopback port."""

    def __init__(self, version: str, name: str, port: int) -> None:
        self.version, self.name, self.port = version, name, port

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, action: str, *options: str) -> None:
        subprocess.run(["pg_ctlcluster", self.version, self.name, action, *options],
                       check=True, capture_output=True, timeout=60)

    def create(self) -> subprocess.Popen[bytes]:
        # Durability off: the test is about the protocol, not about the disk.
        return subprocess.Popen(
            ["pg_createcluster", self.version, self.name, "-p", str(self.port),
             "--start-conf=manual", "-o", "fsync=off", "-o", "full_page_writes=off",
             "-o", "max_connections=100", "--", "--auth=trust", "--no-sync"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", "--stop", self.version, self.name],
                       capture_output=True, timeout=60)


@pytest.fixture
def clusters() -> Iterator[tuple[Cluster, Cluster]]:
    problem = cluster_tools_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI runs the inter-bank fault test: {problem}", pytrace=False)
        pytest.skip(problem)
    version = VERSION_DIRS[-1].parent.parent.name
    tag = uuid.uuid4().hex[:8]
    made = [Cluster(version, f"tbfault_{tag}_{side}", free_port()) for side in ("east", "west")]
    try:
        creating = [cluster.create() for cluster in made]  # the two initdb runs overlap
        for cluster, process in zip(made, creating, strict=True):
            _out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err.decode(errors="replace")
            cluster.ctl("start")
        yield made[0], made[1]
    finally:
        for cluster in made:
            cluster.drop()


def driver(settings: Settings, log: Path, *options: str) -> subprocess.Popen[bytes]:
    env = environment(settings)
    env["TIMEBANK_BANK_DATABASES"] = json.dumps(settings.bank_databases)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "timebank.cli", "interbank", "run", "--interval", "0.05",
             "--batch", "1", *options], env=env, stdout=out, stderr=subprocess.STDOUT,
            cwd=ROOT)


def statuses(rt: Runtime, sent: list[tuple[Partition, str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for home, transfer_id in sent:
        try:
            counts[home.app.load_interbank_transfer(transfer_id).status] += 1
        except Exception:  # that bank's server is down at this moment
            counts["unknown"] += 1
    return counts


def wait_for(condition: Callable[[], bool], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out; the driver's log ends:\n" + (
            log.read_text(errors="replace")[-3000:] if log.exists() else "(none)")
        time.sleep(0.05)


def end_care(app: Any, helper: Any, elder: Any, cares: list[dict[str, Any]]) -> None:
    """The west bank's side of the three care requests, while the driver is down or at work:
    served 1.5 h and confirmed; cancelled; served 1.5 h, disputed and resolved at 1 h."""
    helper_actor = app.actor_for_volunteer(str(helper.id), None)
    elder_actor = app.actor_for_volunteer(str(elder.id), None)
    confirmed, cancelled, resolved = (care["request_id"] for care in cares)
    for request_id in (confirmed, resolved):
        app.take_request(helper_actor, request_id)
        app.mark_request_done(helper_actor, request_id, 90, "")
    app.confirm_request(elder_actor, confirmed, 5, "", None)
    app.cancel_request(elder_actor, cancelled, "住院了")
    app.dispute_request(elder_actor, resolved, "只做了一小时")
    app.resolve_request(SYSTEM, resolved, 60, "核实为一小时", None)


def test_transfers_complete_exactly_once_through_kills_and_a_server_restart(
    clusters: tuple[Cluster, Cluster], pg_schema: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    east_server, west_server = clusters
    settings = make_postgres_settings(tmp_path, pg_schema, bank_databases={
        "east": east_server.url, "west": west_server.url}, pool_size=2)
    rt = build_runtime(settings)
    rng = random.Random(15)
    drivers: list[subprocess.Popen[bytes]] = []  # killed at the end whatever happens
    try:
        banks: dict[str, Any] = {}
        people: dict[str, list[Any]] = {}
        minted = 0
        for key in ("east", "west"):
            app = rt.partitions.banks[key].app
            bank = rt.partitions.open_bank(SYSTEM, f"{key}区", key)
            app.change_time_bank_rules(SYSTEM, bank.id, {
                "payers": {"elderly_care": "minted", "cleaning": "beneficiary"}})
            d = District(app)
            d.bank = bank
            d.branch = app.open_office(SYSTEM, "街道分行", "branch", bank.id)
            d.office = app.open_office(SYSTEM, "社区储蓄所", "savings_office", d.branch.id)
            people[key] = [d.volunteer(name=f"志愿者{i}") for i in range(3)]
            for person in people[key]:
                d.earn(person, 600)
                minted += 600
            banks[key] = bank
            if key == "west":
                body = "31010419480305123"
                elder = app.register_volunteer(SYSTEM, "王奶奶", next_phone(),
                                               body + gb11643_check_digit(body),
                                               d.office.id, "738294")
        city = CityTransfers(rt.partitions)
        east, west = rt.partitions.banks["east"], rt.partitions.banks["west"]

        # Care for the west bank's elder paid from an east volunteer's hours: each hold is
        # made in the east and opened in the west at once.
        payer = people["east"][0]
        payer_actor = east.app.actor_for_volunteer(str(payer.id), None)
        cares = [city.post_care(east, payer_actor, str(banks["west"].id), elder.passbook_no,
                                "cleaning", "parent", "松林小区5栋102", None,
                                CARE_START + timedelta(days=n),
                                CARE_START + timedelta(days=n, hours=2), None)
                 for n in range(3)]

        def request(count: int) -> list[tuple[Partition, str]]:
            made = []
            for _ in range(count):
                key, other = rng.choice((("east", "west"), ("west", "east")))
                home = rt.partitions.banks[key]
                sender = rng.choice(people[key])
                # One in five names a passbook the other bank does not have: voided.
                target = (rng.choice(people[key]) if rng.random() < 0.2
                          else rng.choice(people[other]))
                actor = home.app.actor_for_volunteer(str(sender.id), None)
                answer = city.request(home, actor, sender.passbook_no, str(banks[other].id),
                                      target.passbook_no, rng.randint(1, 4) * 15, "", None)
                made.append((home, answer["transfer_id"]))
            return made

        log = tmp_path / "driver.log"
        sent: list[tuple[Partition, str]] = []
        kills = 0
        for round_no, count in enumerate((7, 7, 6)):
            sent += request(count)
            before = statuses(rt, sent)[PENDING]
            process = driver(settings, log)
            drivers.append(process)
            # Kill it once it is at work: some of this round's transfers have moved.
            wait_for(lambda b=before, s=sent: statuses(rt, s)[PENDING] < b, 60, log)
            if round_no == 1:
                # The west bank's server goes away mid-run and comes back; the driver's
                # steps there fail meanwhile, are retried, and it finishes the round.
                west_server.ctl("stop", "-m", "immediate")
                time.sleep(1.0)
                west_server.ctl("start")
                wait_for(lambda s=sent: set(statuses(rt, s)) <= {POSTED, VOIDED}, 60, log)
            time.sleep(rng.uniform(0, 0.2))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            kills += 1
            if round_no == 0:
                end_care(west.app, people["west"][0], elder, cares)
        assert kills == 3
        final = driver(settings, log, "--once")
        drivers.append(final)
        assert final.wait(timeout=60) == 0, log.read_text()[-3000:]
        assert len(sent) == TRANSFERS

        # Every transfer is settled, in both banks, exactly once.
        events = {key: list(rt.partitions.banks[key].app.recorder.select_notifications(
            start=1, limit=1_000_000)) for key in ("east", "west")}
        decoded = {key: [rt.partitions.banks[key].app.mapper.to_domain_event(n)
                         for n in notes] for key, notes in events.items()}
        settled = Counter()
        for domain_events in decoded.values():
            for event in domain_events:
                if isinstance(event, (InterbankTransfer.Posted, InterbankTransfer.Voided)):
                    settled[str(event.originator_id)] += 1
        credits_in = Counter(
            event.ref for domain_events in decoded.values() for event in domain_events
            if isinstance(event, TimeAccount.HoursCredited) and event.kind == INTERBANK_IN)
        served = Counter()
        for event in decoded["west"]:
            if isinstance(event, TimeAccount.HoursCredited) and event.kind == SERVICE:
                served[event.ref] += event.minutes
        care_ids = [care["paid_from"]["transfer_id"] for care in cares]
        care_ends = []
        for transfer_id in care_ids:
            transfer = east.app.load_interbank_transfer(transfer_id)
            assert settled[transfer_id] == 1 and credits_in[transfer_id] == 0
            assert served[str(care_request_id_for(transfer_id))] == transfer.posted_minutes
            assert transfer_id not in east.app.load(TimeAccount,
                                                    transfer.from_account_id).reserved
            care_ends.append((transfer.status, transfer.posted_minutes,
                              transfer.returned_minutes, transfer.reason))
        # Confirmed at 1.5 h of 2, cancelled, resolved at 1 h of the 1.5 h marked done.
        assert care_ends == [(POSTED, 90, 30, ""), (VOIDED, 0, 0, CARE_NOT_SERVED),
                             (POSTED, 60, 60, "")]
        outcome: Counter[str] = Counter()
        for home, transfer_id in sent:
            transfer = home.app.load_interbank_transfer(transfer_id)
            outcome[transfer.status] += 1
            assert settled[transfer_id] == 1, transfer_id
            receiver = rt.partitions.locate(transfer.to_bank_id).app
            decision = receiver.load(InterbankCredit, interbank_credit_id_for(transfer_id))
            assert decision.accepted == (transfer.status == POSTED)
            assert credits_in[transfer_id] == (1 if transfer.status == POSTED else 0)
            account = home.app.load(TimeAccount, transfer.from_account_id)
            assert transfer_id not in account.reserved
        assert outcome[PENDING] == 0 and outcome[POSTED] + outcome[VOIDED] == TRANSFERS
        assert outcome[POSTED] > 0 and outcome[VOIDED] > 0

        # No hour made or lost: what was minted is in the accounts.
        held = 0
        for key in ("east", "west"):
            app = rt.partitions.banks[key].app
            for person in people[key]:
                account = app.load(TimeAccount, time_account_id_for(person.passbook_no))
                assert account.balance >= 0 and not account.reserved
                held += account.balance
        assert held == minted  # care moved 2.5 h from the east payer to the west helper

        # Both banks' books agree: the clearing report balances.
        books = []
        for key in ("east", "west"):
            partition = rt.partitions.banks[key]
            ProjectionRunner(partition.app, partition.engine).catch_up()
            books.append(time_queries.ledger_rows(partition.engine, None, None, None))
            assert time_queries.pending_transfer_ids(partition.engine) == []
        report = time_queries.clearing_report(books, None, None)
        assert report["balanced"] and len(report["pairs"]) == 1
    finally:
        for process in drivers:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        rt.close()
    # Reported, not asserted (no timed assertions): the issue asks for under 90 s.
    print(f"inter-bank fault test: {time.monotonic() - started:.1f} s", file=sys.stderr)
