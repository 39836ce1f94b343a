"""HTTP check-in load on loopback: the real server driven by wrk, beside its references.

    python -m benchmarks.http_load [--duration 10] [--clients 1,16,64] [--workers 1,2]

Starts `timebank serve` (uvicorn, `api.app:create_app`) on PostgreSQL in a fresh schema on
a free 127.0.0.1 port, seeds an office, volunteers and activities through the application,
and drives `POST /api/v1/scans` with wrk. Each request is the next step of one volunteer's
attendance — check in to activity 1, check out of it, check in to activity 2, … (half
of them start checked in, so check-ins and check-outs alternate) — so every answer should
be a success: a volunteer checks in once per activity, and a check-in while
still checked in elsewhere is refused. The references are measured in the same run: wrk on
`GET /api/v1/health` of the same server at the same concurrency, and plain psycopg one-row
insert transactions. Afterwards every answered check-in is looked up in the event store.

Not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg

from benchmarks.run import DEFAULT_URL, District, drop_schema, fresh_schema
from timebank.domain.actors import SYSTEM
from timebank.domain.attendance import attendance_record_id_for
from timebank.runtime import build_runtime
from timebank.settings import Settings

REPO = Path(__file__).resolve().parent.parent
# One wrk thread for every run: on two shared cores a second client thread only takes CPU
# from the server it measures, and one thread keeps each volunteer's steps in order.
WRK_THREADS = 1
# Scans of one volunteer are this many requests apart, far more than can be in flight at
# once, so a check-out never overtakes its check-in.
MIN_VOLUNTEERS = 400
ACTIVITIES = 200  # each gives 2 scans per volunteer; far more than a short run uses

# The report line both wrk scripts print, read back by `_parse_wrk`.
DONE_LUA = r"""
threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local sent = 0
  for _, t in ipairs(threads) do sent = sent + (t:get("sent") or 0) end
  local e = summary.errors
  io.write(string.format(
    "TB_RESULT requests=%d duration_us=%d sent=%d p50_us=%d p90_us=%d p99_us=%d " ..
    "mean_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, sent, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), math.floor(latency.mean),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

# Request k is step k // V of volunteer v = k % V, one step further for odd v (seeded checked
# in to the first activity, so that check-ins and check-outs alternate request by request);
# step 2a checks in to activity a, 2a + 1 checks out of it. Each answer is written down (status, action, record id or error code) so the
# harness can look every one up in the event store.
SCAN_LUA = r"""
sent = 0
local volunteers, activities, offset, out, verified = {}, {}, 0, nil, false
function init(args)
  offset = tonumber(args[1])
  local dir = args[2]
  for line in io.lines(dir .. "/volunteers.txt") do table.insert(volunteers, line) end
  for line in io.lines(dir .. "/activities.txt") do
    local i, o = line:match("(%S+) (%S+)")
    table.insert(activities, {i, o})
  end
  out = io.open(args[3], "w")
  out:setvbuf("line")
end
function request()
  local k = offset + sent
  -- wrk calls request() once after init() to inspect it and never sends that one.
  if verified then sent = sent + 1 else verified = true end
  local step = math.floor(k / #volunteers) + (k % #volunteers) % 2
  local a = math.min(math.floor(step / 2) + 1, #activities)
  local body = '{"token":"' .. activities[a][step % 2 + 1] .. '"}'
  return wrk.format("POST", "/api/v1/scans", {
    ["Authorization"] = "Bearer " .. volunteers[k % #volunteers + 1],
    ["Content-Type"] = "application/json",
  }, body)
end
function response(status, headers, body)
  if status >= 200 and status < 300 then
    out:write(status, " ", body:match('"action":%s*"([%a_]+)"') or "?", " ",
              body:match('"service_record_id":%s*"([%w%-]+)"') or "?", "\n")
  else
    out:write(status, " error ", body:match('"code":%s*"([%w_]+)"') or "?", "\n")
  end
end
"""


# -- set-up --------------------------------------------------------------------------------
def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get) …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True,  # noqa: S607
                   stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Seeded:
    """What the server is loaded with: ids to verify by, tokens for the wrk script."""

    directory: Path
    volunteer_ids: list[UUID]
    activity_ids: list[UUID]

    def sent(self, offset: int, count: int) -> tuple[set[UUID], set[UUID]]:
        """The records the wrk script's requests offset … offset + count - 1 check in and out
        (the same numbering as SCAN_LUA)."""
        checks: tuple[set[UUID], set[UUID]] = (set(), set())
        people = len(self.volunteer_ids)
        for k in range(offset, offset + count):
            step = k // people + (k % people) % 2
            activity = self.activity_ids[min(step // 2, len(self.activity_ids) - 1)]
            checks[step % 2].add(attendance_record_id_for(activity, self.volunteer_ids[k % people]))
        return checks


def seed(url: str, schema: str, secret: str, volunteers: int, directory: Path) -> Seeded:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        var_dir=directory / "var", database_url=url, database_schema=schema, secret_key=secret,
    )
    runtime = build_runtime(settings)
    try:
        app = runtime.app
        district = District(app)
        people = [district.volunteer() for _ in range(volunteers)]
        start = datetime.now(UTC) - timedelta(hours=1)
        activities = [
            app.plan_activity(SYSTEM, district.office.id, f"活动 {n}", "general", start,
                              start + timedelta(hours=8), "活动室")
            for n in range(ACTIVITIES)
        ]
        first_in = app.scan_token(SYSTEM, activities[0].id, "check_in")
        for volunteer in people[1::2]:  # step 0 done: their first request checks out
            actor = app.actor_for_volunteer(volunteer.id)
            assert actor is not None
            app.scan(actor, first_in)
        (directory / "volunteers.txt").write_text(
            "".join(runtime.signer.issue(str(v.id), "volunteer") + "\n" for v in people))
        (directory / "activities.txt").write_text("".join(
            f"{app.scan_token(SYSTEM, a.id, 'check_in')} {app.scan_token(SYSTEM, a.id, 'check_out')}\n"
            for a in activities))
        return Seeded(directory, [v.id for v in people], [a.id for a in activities])
    finally:
        runtime.close()


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a process and its live descendants; None off Linux.
    Per request, it is the figure least moved by other work on the machine."""
    try:
        parents: dict[int, int] = {}
        times: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # gone meanwhile
                parents[int(entry)] = int(stat[1])
                times[int(entry)] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(p, 0.0) for p in tree)


class Server:
    """`timebank serve` as a subprocess on a free loopback port."""

    def __init__(self, url: str, schema: str, secret: str, workers: int, group_commit: bool,
                 directory: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "TIMEBANK_DATABASE_URL": url,
            "TIMEBANK_DATABASE_SCHEMA": schema,
            "TIMEBANK_SECRET_KEY": secret,
            "TIMEBANK_VAR_DIR": str(directory / "var"),
            "TIMEBANK_GROUP_COMMIT": "true" if group_commit else "false",
            # Every volunteer scans far more often than a person would; the limit is not
            # what is measured here.
            "TIMEBANK_SCANS_PER_MINUTE": "1000000",
        }
        self.log_path = directory / f"server-{self.port}.log"
        self._log = self.log_path.open("wb")
        timebank = Path(sys.executable).with_name("timebank")
        self.process = subprocess.Popen(  # noqa: S603
            [str(timebank), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers)],
            env=env, cwd=directory, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"server not ready in {timeout_s} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# -- wrk -----------------------------------------------------------------------------------
@dataclass
class WrkResult:
    requests: int
    seconds: float
    sent: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    socket_errors: int
    non_2xx: int
    answers: list[tuple[int, str, str]] = field(default_factory=list)
    server_cpu_s: float | None = None  # the server's CPU time during the run

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_s is None or not self.requests:
            return None
        return 1000 * self.server_cpu_s / self.requests

    @property
    def rate(self) -> float:
        return (self.requests - self.non_2xx) / self.seconds


def _parse_wrk(output: str) -> WrkResult:
    match = re.search(r"^TB_RESULT (.*)$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    v = {k: int(n) for k, n in (pair.split("=") for pair in match.group(1).split())}
    ms = lambda us: us / 1000  # noqa: E731
    return WrkResult(
        requests=v["requests"], seconds=v["duration_us"] / 1e6, sent=v["sent"],
        p50_ms=ms(v["p50_us"]), p90_ms=ms(v["p90_us"]), p99_ms=ms(v["p99_us"]),
        mean_ms=ms(v["mean_us"]), max_ms=ms(v["max_us"]),
        socket_errors=v["connect"] + v["read"] + v["write"] + v["timeout"],
        non_2xx=v["status"],
    )


def run_wrk(wrk: str, url: str, clients: int, duration_s: int, script: Path,
            args: list[str] | None = None, server_pid: int | None = None) -> WrkResult:
    command = [wrk, "-t", str(WRK_THREADS), "-c", str(clients), "-d", f"{duration_s}s",
               "--timeout", "30s", "-s", str(script), url]
    if args:
        command += ["--", *args]
    cpu_before = tree_cpu_seconds(server_pid) if server_pid else None
    done = subprocess.run(command, capture_output=True, text=True, check=True,  # noqa: S603
                          timeout=duration_s + 60)
    result = _parse_wrk(done.stdout)
    cpu_after = tree_cpu_seconds(server_pid) if server_pid else None
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu_s = cpu_after - cpu_before
    return result


# -- the event store, to check the answers against -----------------------------------------
def stored_scans(url: str, schema: str) -> tuple[set[UUID], set[UUID], int]:
    """(records with a check-in, records with a check-out, service-record events in all)."""
    with psycopg.connect(url, options=f"-csearch_path={schema}") as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic FROM timebank_events "
            "WHERE topic LIKE 'timebank.domain.service:ServiceRecord.%%'").fetchall()
    checked_in = {row[0] for row in rows if row[1] == 1}
    checked_out = {row[0] for row in rows if row[2].endswith(".CheckedOut")}
    return checked_in, checked_out, len(rows)


def settle(url: str, schema: str) -> tuple[set[UUID], set[UUID], int]:
    """The store once the requests wrk left in flight at its deadline have finished."""
    last = stored_scans(url, schema)
    for _ in range(30):
        time.sleep(0.5)
        now = stored_scans(url, schema)
        if now[2] == last[2]:
            return now
        last = now
    return last


@dataclass
class Check:
    answered_in: int  # 2xx check-ins wrk received
    answered_out: int
    stored_in: int  # check-ins stored during the run
    stored_out: int
    lost: int  # answered 2xx but not in the store
    unanswered_stored: int  # stored, answer not received: in flight at wrk's deadline
    in_flight: int  # sent, no answer received
    never_sent: int  # stored, but no request of the run was for it
    doubled: int  # more than one check-in (or check-out) event for a record
    refusals: Counter[str]


def check_answers(result: WrkResult, sent: tuple[set[UUID], set[UUID]],
                  before: tuple[set[UUID], set[UUID], int],
                  after: tuple[set[UUID], set[UUID], int]) -> Check:
    ok = [(action, UUID(rid)) for status, action, rid in result.answers if 200 <= status < 300]
    answered_in = {rid for action, rid in ok if action == "check_in"}
    answered_out = {rid for action, rid in ok if action == "check_out"}
    new_in, new_out = after[0] - before[0], after[1] - before[1]
    events = after[2] - before[2]
    return Check(
        answered_in=sum(1 for action, _ in ok if action == "check_in"),
        answered_out=sum(1 for action, _ in ok if action == "check_out"),
        stored_in=len(new_in), stored_out=len(new_out),
        lost=len(answered_in - new_in) + len(answered_out - new_out),
        unanswered_stored=len(new_in - answered_in) + len(new_out - answered_out),
        in_flight=result.sent - len(result.answers),
        never_sent=len(new_in - sent[0]) + len(new_out - sent[1]),
        # Sets count each record once; any surplus of events is a doubled write.
        doubled=events - len(new_in) - len(new_out),
        refusals=Counter(rid for status, _, rid in result.answers if not 200 <= status < 300),
    )


def read_answers(path: Path) -> list[tuple[int, str, str]]:
    answers = []
    for line in path.read_text().splitlines():
        status, action, rest = line.split(" ", 2)
        answers.append((int(status), action, rest))
    return answers


# -- the reference: the database's own one-row transaction rate -----------------------------
def raw_insert_rate(url: str, schema: str, connections: int, seconds: float) -> float:
    """One-row insert transactions per second from `connections` connections at once."""
    payload = b"x" * 400  # about a stored event's size
    with psycopg.connect(url, options=f"-csearch_path={schema}", autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bare (id uuid PRIMARY KEY, topic text, "
                     "state bytea)")
    ready = threading.Barrier(connections + 1)
    stop = threading.Event()
    counts = [0] * connections

    def worker(index: int) -> None:
        with psycopg.connect(url, options=f"-csearch_path={schema}") as conn:
            ready.wait()
            while not stop.is_set():
                conn.execute("INSERT INTO bare VALUES (gen_random_uuid(), 'bench', %s)",
                             (payload,))
                conn.commit()
                counts[index] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in pool:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


# -- the run -------------------------------------------------------------------------------
@dataclass
class Row:
    workers: int
    group_commit: bool
    clients: int
    scans: WrkResult
    health: WrkResult
    check: Check


def load_server(wrk: str, url: str, schema: str, secret: str, seeded: Seeded, workers: int,
                group_commit: bool, clients: tuple[int, ...], duration_s: int,
                offset: int) -> tuple[list[Row], int]:
    directory = seeded.directory
    health_lua, scan_lua = directory / "health.lua", directory / "scan.lua"
    health_lua.write_text(DONE_LUA)
    scan_lua.write_text(SCAN_LUA + DONE_LUA)
    server = Server(url, schema, secret, workers, group_commit, directory)
    rows = []
    try:
        server.wait_ready()
        # Warm the aggregate caches and connection pools; not reported.
        warm = run_wrk(wrk, f"{server.base}/api/v1/scans", min(16, max(clients)), 2, scan_lua,
                       [str(offset), str(directory), str(directory / "warm.txt")])
        offset += warm.sent
        for count in clients:
            health = run_wrk(wrk, f"{server.base}/api/v1/health", count, duration_s,
                             health_lua, server_pid=server.process.pid)
            before = settle(url, schema)
            answers = directory / f"answers-{workers}-{group_commit}-{count}.txt"
            scans = run_wrk(wrk, f"{server.base}/api/v1/scans", count, duration_s, scan_lua,
                            [str(offset), str(directory), str(answers)],
                            server_pid=server.process.pid)
            scans.answers = read_answers(answers)
            after = settle(url, schema)
            check = check_answers(scans, seeded.sent(offset, scans.sent), before, after)
            offset += scans.sent
            rows.append(Row(workers, group_commit, count, scans, health, check))
            print(f"  workers={workers} group_commit={group_commit} clients={count}: "
                  f"scans {scans.rate:.0f}/s p50 {scans.p50_ms:.1f} ms p99 {scans.p99_ms:.1f} ms"
                  f" non-2xx {scans.non_2xx}; health {health.rate:.0f}/s; {check}", flush=True)
    finally:
        server.stop()
    return rows, offset


def run_http_load(url: str, duration_s: int = 10, concurrencies: tuple[int, ...] = (1, 16, 64),
                  workers: tuple[int, ...] = (1, 2),
                  group_commit: tuple[bool, ...] = (True,), volunteers: int | None = None) -> str:
    """Measure, and answer a markdown section. `url` is the PostgreSQL server's URL."""
    wrk = ensure_wrk()
    concurrencies = tuple(concurrencies)
    schema = fresh_schema(url)
    # A key of this run only: tokens signed with it are worthless afterwards.
    secret = secrets.token_urlsafe(48)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="timebank-http-") as tmp:
            volunteers = volunteers or max(MIN_VOLUNTEERS, 8 * max(concurrencies))
            print(f"seeding {volunteers} volunteers and {ACTIVITIES} activities …", flush=True)
            seeded = seed(url, schema, secret, volunteers, Path(tmp))
            rows: list[Row] = []
            offset = 0
            for gc in group_commit:
                for count in workers:
                    more, offset = load_server(wrk, url, schema, secret, seeded, count, gc,
                                               concurrencies, duration_s, offset)
                    rows += more
            raw = {c: raw_insert_rate(url, schema, min(c, 32), min(duration_s, 5))
                   for c in concurrencies}
        return report(rows, raw, duration_s, volunteers, time.perf_counter() - started)
    finally:
        drop_schema(url, schema)


def _versions() -> tuple[str, str]:
    wrk = shutil.which("wrk") or "wrk"
    first = subprocess.run([wrk, "--version"], capture_output=True, text=True,  # noqa: S603
                           check=False).stdout.splitlines()
    import uvicorn

    return (first[0].split(" [")[0] if first else "wrk"), uvicorn.__version__


def report(rows: list[Row], raw: dict[int, float], duration_s: int, volunteers: int,
           took: float) -> str:
    wrk_version, uvicorn_version = _versions()
    lines = [
        "## HTTP check-in load on loopback (wrk)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m benchmarks.http_load` "
        f"({took:.0f} s in all); {wrk_version}, {WRK_THREADS} wrk thread, {duration_s} s per "
        f"run; uvicorn {uvicorn_version} (`timebank serve`), PostgreSQL on loopback.",
        "",
        f"Each request is `POST /api/v1/scans` by one of {volunteers} volunteers: the next "
        "step of its attendance (check in to an activity, check out of it, check in to the "
        "next; half of them start checked in), so check-ins and check-outs alternate, each "
        "saving the service record and the volunteer's presence in one transaction. Scans/s counts 2xx answers "
        "only. Reference in the same run: wrk on `GET /api/v1/health` of the same server at "
        "the same number of clients (the HTTP stack, middleware and thread pool, no database), "
        "and plain psycopg one-row insert transactions.",
        "",
        "| workers | group commit | clients | scans/s (2xx) | check-ins/s | p50 ms | p99 ms | "
        "non-2xx | health req/s | health p50 / p99 ms | scans ÷ health | raw insert tx/s "
        "(connections) | scans ÷ raw | server CPU ms per scan / per health |",
        "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cpu = lambda r: "?" if r.cpu_ms_per_request is None else f"{r.cpu_ms_per_request:.2f}"  # noqa: E731
    for r in rows:
        s, h = r.scans, r.health
        reference = raw[r.clients]
        lines.append(
            f"| {r.workers} | {'on' if r.group_commit else 'off'} | {r.clients} | {s.rate:.0f} "
            f"| {r.check.answered_in / s.seconds:.0f} | {s.p50_ms:.1f} | {s.p99_ms:.1f} "
            f"| {s.non_2xx + s.socket_errors} | {h.rate:.0f} | {h.p50_ms:.1f} / {h.p99_ms:.1f} "
            f"| {s.rate / h.rate:.2g}× | {reference:.0f} ({min(r.clients, 32)}) "
            f"| {s.rate / reference:.2g}× | {cpu(s)} / {cpu(h)} |")
    lines += [
        "",
        "Every answer checked against the event store after the run (in flight: requests wrk "
        "had sent when its time ran out; the server still completed them):",
        "",
        "| workers | group commit | clients | 2xx check-ins | check-ins stored | 2xx check-outs "
        "| check-outs stored | stored, in flight at the deadline | answered but not stored | "
        "stored twice | refusals |",
        "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        c = r.check
        refusals = ", ".join(f"{code} {n}" for code, n in c.refusals.most_common()) or "none"
        lines.append(
            f"| {r.workers} | {'on' if r.group_commit else 'off'} | {r.clients} "
            f"| {c.answered_in} | {c.stored_in} | {c.answered_out} | {c.stored_out} "
            f"| {c.unanswered_stored} (of {c.in_flight} in flight) | {c.lost} | {c.doubled} "
            f"| {refusals} |")
    exact = all(r.check.lost == 0 and r.check.doubled == 0 and r.check.never_sent == 0
                and r.check.stored_in + r.check.stored_out
                == r.check.answered_in + r.check.answered_out + r.check.unanswered_stored
                for r in rows)
    lines += [
        "",
        ("Stored = 2xx answered + the requests in flight at wrk's deadline, in every run: no "
         "answered scan lost, none stored twice."
         if exact else "**Mismatch between answers and the store: see the table above.**"),
        "",
        "Caveats: two CPU cores shared by wrk, the server, PostgreSQL and other people's "
        "work, so absolute rates move from run to run — compare the ratios, measured minutes "
        "apart on the same machine. wrk is a closed loop (each connection waits for its "
        "answer), so the percentiles are of served requests and understate what an open "
        "stream of arrivals would see at saturation. The server's CPU time per request "
        "(all its processes, user + system) moves least with the machine's other load: "
        "it is the figure to compare between runs. With more clients than the server has "
        "threads and connections, requests queue inside it: p99 then grows with the "
        "number of clients while the rate stays flat. Raw inserts use at most 32 "
        "connections (the database's connection limit is shared).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--clients", default="1,16,64", help="concurrent connections")
    parser.add_argument("--workers", default="1,2", help="server worker processes")
    parser.add_argument("--group-commit", choices=("on", "off", "both"), default="on")
    parser.add_argument("--volunteers", type=int, help=f"default: at least {MIN_VOLUNTEERS}")
    parser.add_argument("--output", help="also write the section to this file")
    args = parser.parse_args()
    section = run_http_load(
        args.postgres_url, args.duration,
        tuple(int(c) for c in args.clients.split(",")),
        workers=tuple(int(w) for w in args.workers.split(",")),
        group_commit={"on": (True,), "off": (False,), "both": (True, False)}[args.group_commit],
        volunteers=args.volunteers,
    )
    print(section)
    if args.output:
        Path(args.output).write_text(section, encoding="utf-8")


if __name__ == "__main__":
    main()
