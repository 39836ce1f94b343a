"""Server CPU per HTTP scan, approval and redemption: this tree beside the floor and 01a9f90.

    python -m benchmarks.serving [--duration 4] [--rounds 3] [--clients 16]
                                 [--old-commit 01a9f90]

Four servers, all up at once, on PostgreSQL on loopback, each driven by wrk in turn with
the same kind of requests (`benchmarks/http_seed.py` writes them):
- this tree, `timebank serve` (1 worker, its defaults: projections followed in-process);
- this tree as deployed on PostgreSQL: `serve` with TIMEBANK_FOLLOW_PROJECTIONS=false and
  a `timebank projections run` worker beside it (its CPU measured apart);
- the floor (`benchmarks/floor.py`): the same token, QR and PIN checks, the same reads in
  as few round trips, the same locked write, and nothing else; on one core, as `serve`
  runs this tree (api/cpu_pinning.py);
- the commit `--old-commit` (issue 18's "today's main"), checked out with `git archive`
  into a temporary folder and served from there with this environment's packages, seeded
  by its own code in a schema of its own.
Each figure is the CPU time of the server's processes (user + system, read from /proc)
divided by the requests answered, and beside it the CPU time of the PostgreSQL backends
serving that server's connections (found by `application_name`). A warm-up for each kind
(until one request per seeded volunteer was answered) fills caches and pools, as in a server
that has been running; then the servers take turns for a few rounds (a new order each
round), because this machine's speed drifts by tens of percent over minutes: one server
measured after another compared two moments as much as two servers. CPU per request moves
least with the machine's other load, which is why it is the figure compared; requests/s is
shown as it was.

Not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from benchmarks.http_load import DONE_LUA, _parse_wrk, ensure_wrk, free_port, tree_cpu_seconds
from benchmarks.run import DEFAULT_URL, drop_schema, fresh_schema

REPO = Path(__file__).resolve().parent.parent
KINDS = ("scans", "approvals", "redemptions")
OLD_COMMIT = "01a9f90"
WITH_WORKER = "this+worker"

# Sends the lines of a requests file in order, from the offset given, one per request.
REQUESTS_LUA = r"""
sent = 0
local lines, offset, verified = {}, 0, false
function init(args)
  offset = tonumber(args[1])
  for l in io.lines(args[2]) do table.insert(lines, l) end
end
function request()
  local k = offset + sent
  if verified then sent = sent + 1 else verified = true end
  local l = lines[(k % #lines) + 1]
  local method, path, head, body = l:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = {}
  for h in string.gmatch(head, "[^\31]+") do
    local name, value = h:match("^([^:]+): (.*)$")
    headers[name] = value
  end
  if body == "" then body = nil end
  return wrk.format(method, path, headers, body)
end
"""


@dataclass
class Measured:
    server: str
    kind: str
    answered: int
    non_2xx: int
    seconds: float
    server_cpu_s: float
    db_cpu_s: float | None
    worker_cpu_s: float | None = None  # a projection worker beside the server, if any
    # Requests of the measured run sent a second time because the seed's ran out: answered
    # from their records (an idempotent replay, an approval refused), so not comparable.
    repeated: int = 0
    # The slices a combined measurement sums (one per round), for their spread.
    rounds: list[Measured] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return self.answered - self.non_2xx

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.server_cpu_s / max(self.answered, 1)

    @property
    def worker_ms(self) -> float | None:
        if self.worker_cpu_s is None:
            return None
        return 1000 * self.worker_cpu_s / max(self.answered, 1)

    @property
    def total_ms(self) -> float:
        """Server and projection worker together: the whole cost of the request."""
        return self.cpu_ms + (self.worker_ms or 0.0)

    @property
    def db_ms(self) -> float | None:
        return None if self.db_cpu_s is None else 1000 * self.db_cpu_s / max(self.answered, 1)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds


def backend_cpu_seconds(url: str, application: str) -> float | None:
    """CPU time of the PostgreSQL backends whose connections name `application`."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            pids = [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                (application,)).fetchall()]
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in pids:
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(stat[11]) + int(stat[12])) / tick
        return total
    except (psycopg.Error, OSError):
        return None


def checkout(commit: str, into: Path) -> Path:
    """The commit's files (no git metadata) in a folder of their own."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit],  # noqa: S603, S607
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def seed(tree: Path, url: str, schema: str, secret: str, out: Path, scale: int = 1) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "http_seed.py"), url, schema,  # noqa: S603
                    secret, str(out), str(scale)], check=True, env=env, cwd=tree)


class Served:
    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path,
                 log: Path, companion: list[str] | None = None) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.application = f"bench-{name}-{self.port}"
        self._log = log.open("wb")
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603
            [part.replace("{port}", str(self.port)) for part in command],
            env={**env, "PGAPPNAME": self.application}, cwd=cwd, stdout=self._log,
            stderr=subprocess.STDOUT)
        # A projection worker (`timebank projections run`) serving beside it, as deployed.
        self.companion = None if companion is None else subprocess.Popen(  # noqa: S603
            companion, env={**env, "PGAPPNAME": self.application + "-worker"}, cwd=cwd,
            stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} server not ready; see {self.log}")

    def stop(self) -> None:
        for process in (self.process, self.companion):
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()

    def worker_cpu_seconds(self) -> float | None:
        if self.companion is None:
            return None
        return tree_cpu_seconds(self.companion.pid) or 0.0


# After each slice the servers' CPU is read once their projections have caught up with it
# (the in-process follower and the worker wake every 0.5 s): their work belongs to it.
SETTLE_S = 1.5
WARM_UP_S = 2
# Each server's warm-up then goes on until it has answered one request per seeded volunteer
# (400 per unit of scale): their accounts, passbooks and presences are then cached, as in a
# server that has been running, whatever its speed. At most this long more.
WARM_UP_MAX_S = 20
VOLUNTEERS_PER_SCALE = 400


def measure_slice(wrk: str, url: str, server: Served, kind: str, seed_dir: Path, clients: int,
                  seconds: int, offset: int) -> tuple[Measured, int]:
    """Drive one server with `seconds` of one kind of request; its CPU per request."""
    script = seed_dir / "requests.lua"
    if not script.exists():
        script.write_text(REQUESTS_LUA + DONE_LUA)
    requests = str(seed_dir / f"{kind}.txt")
    available = len(Path(requests).read_text(encoding="utf-8").splitlines())
    cpu = tree_cpu_seconds(server.process.pid) or 0.0
    worker = server.worker_cpu_seconds()
    db = backend_cpu_seconds(url, server.application)
    done = subprocess.run(  # noqa: S603
        [wrk, "-t", "1", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "30s",
         "-s", str(script), f"{server.base}/", "--", str(offset), requests],
        capture_output=True, text=True, check=True, timeout=seconds + 120)
    time.sleep(SETTLE_S)
    result = _parse_wrk(done.stdout)
    db_after = backend_cpu_seconds(url, server.application)
    worker_after = server.worker_cpu_seconds()
    cpu_after = tree_cpu_seconds(server.process.pid) or 0.0
    offset += result.sent  # type: ignore[attr-defined]
    # The floor changes nothing, so what it is sent again it does again: not a repeat.
    repeated = 0 if server.name == "floor" else max(
        0, min(result.sent, offset - available))  # type: ignore[attr-defined]
    return Measured(server.name, kind, result.requests,  # type: ignore[attr-defined]
                    result.non_2xx + result.socket_errors,  # type: ignore[attr-defined]
                    result.seconds, cpu_after - cpu,  # type: ignore[attr-defined]
                    None if db is None or db_after is None else db_after - db,
                    None if worker is None or worker_after is None else worker_after - worker,
                    repeated), offset


def combined(slices: list[Measured]) -> Measured:
    """The rounds of one server and kind as one measurement (their sums)."""
    first = slices[0]

    def total(values: list[float | None]) -> float | None:
        return None if any(v is None for v in values) else sum(v or 0.0 for v in values)

    return Measured(first.server, first.kind, sum(m.answered for m in slices),
                    sum(m.non_2xx for m in slices), sum(m.seconds for m in slices),
                    sum(m.server_cpu_s for m in slices),
                    total([m.db_cpu_s for m in slices]),
                    total([m.worker_cpu_s for m in slices]),
                    sum(m.repeated for m in slices), rounds=slices)


def run_serving(url: str, duration_s: int = 4, clients: int = 16,
                old_commit: str = OLD_COMMIT, only: set[str] | None = None,
                kinds: tuple[str, ...] = KINDS, rounds: int = 3) -> tuple[str, list[Measured]]:
    """`only`: the servers to measure (this, this+worker, floor, the old commit's name),
    for a quick look at a few of them; the report is written from a run of all four.

    Every server is started first and stays up; then, for each kind of request, each is
    warmed up and driven `rounds` times for `duration_s`, taking turns (in a new order each
    round). The machine's speed drifts by tens of percent over minutes here; taking turns
    puts every server in the same moments, so the drift does not decide a ratio."""
    wrk = ensure_wrk()
    secret = secrets.token_urlsafe(48)  # this run's only: its tokens are worthless after
    started = time.perf_counter()
    measured: dict[tuple[str, str], list[Measured]] = {}
    wanted = (lambda name: True) if only is None else (lambda name: name in only)
    with tempfile.TemporaryDirectory(prefix="timebank-serving-") as tmp, \
            contextlib.ExitStack() as running:
        work = Path(tmp)
        old_tree = checkout(old_commit, work / "old")
        names = ["this", WITH_WORKER, "floor", old_commit]
        schemas = {name: fresh_schema(url) for name in ("this", WITH_WORKER, "old")}
        running.callback(lambda: [drop_schema(url, schema) for schema in schemas.values()])
        # This tree's two servers each get a schema of their own (an approval or a check-in
        # cannot be sent twice): enough requests for the warm-up (a pass over the volunteers)
        # and every round (at about 350 approvals/s a scale of 5).
        scale = max(5, -(-(WARM_UP_S + rounds * duration_s) * 5 // 15))
        volunteers = {"this": VOLUNTEERS_PER_SCALE * scale,
                      WITH_WORKER: VOLUNTEERS_PER_SCALE * scale,
                      "floor": VOLUNTEERS_PER_SCALE * scale,
                      old_commit: VOLUNTEERS_PER_SCALE * 2}
        for name in ("this", WITH_WORKER):
            if wanted(name) or (name == "this" and wanted("floor")):
                print(f"  seeding a schema for {name} …", flush=True)
                seed(REPO, url, schemas[name], secret, work / f"seed-{name}", scale=scale)
        if wanted(old_commit):
            print(f"  seeding {old_commit}'s schema with its own code …", flush=True)
            seed(old_tree, url, schemas["old"], secret, work / "seed-old", scale=2)
        timebank = [sys.executable, "-c", "from timebank.cli import main; main()",
                    "serve", "--host", "127.0.0.1", "--port", "{port}"]
        base_env = {**os.environ, "TIMEBANK_DATABASE_URL": url, "TIMEBANK_SECRET_KEY": secret,
                    "TIMEBANK_SCANS_PER_MINUTE": "1000000"}

        def this_env(name: str) -> dict[str, str]:
            return {**base_env, "TIMEBANK_DATABASE_SCHEMA": schemas[name],
                    "TIMEBANK_VAR_DIR": str(work / f"var-{name}"), "PYTHONPATH": str(REPO)}

        worker = [sys.executable, "-c", "from timebank.cli import main; main()",
                  "projections", "run"]
        plans: list[tuple[str, list[str], dict[str, str], Path, Path, list[str] | None]] = [
            ("this", timebank, this_env("this"), REPO, work / "seed-this", None),
            # As deployed on PostgreSQL: the API leaves the projections to a worker.
            (WITH_WORKER, timebank, {**this_env(WITH_WORKER),
                                     "TIMEBANK_FOLLOW_PROJECTIONS": "false"},
             REPO, work / f"seed-{WITH_WORKER}", worker),
            ("floor", [sys.executable, "-m", "benchmarks.floor", "--port", "{port}",
                       "--url", url, "--schema", schemas["this"], "--secret", secret,
                       "--seed", str(work / "seed-this")],
             {**base_env, "PYTHONPATH": str(REPO)}, REPO, work / "seed-this", None),
            (old_commit, timebank, {**base_env, "TIMEBANK_DATABASE_SCHEMA": schemas["old"],
                                    "TIMEBANK_VAR_DIR": str(work / "var-old"),
                                    "PYTHONPATH": str(old_tree)}, old_tree,
             work / "seed-old", None),
        ]
        servers: dict[str, tuple[Served, Path]] = {}
        for name, command, env, cwd, seed_dir, companion in plans:
            if wanted(name):
                server = Served(name, command, env, cwd, work / f"{name}.log", companion)
                running.callback(server.stop)
                servers[name] = (server, seed_dir)
        for server, _ in servers.values():
            server.wait_ready()
        offsets: dict[tuple[str, str, str], int] = {}

        def drive(name: str, kind: str, seconds: int) -> Measured:
            server, seed_dir = servers[name]
            key = (name, str(seed_dir), kind)
            result, offsets[key] = measure_slice(wrk, url, server, kind, seed_dir, clients,
                                                 seconds, offsets.get(key, 0))
            return result

        for kind in kinds:
            order = [name for name in names if name in servers]
            for name in order:  # fills caches and pools; not counted
                first = drive(name, kind, WARM_UP_S)
                left = volunteers[name] - first.answered
                if left > 0:
                    drive(name, kind, min(WARM_UP_MAX_S,
                                          math.ceil(left / max(first.rate, 1.0))))
            for turn in range(rounds):
                shift = turn % len(order)
                for name in order[shift:] + order[:shift]:
                    measured.setdefault((name, kind), []).append(drive(name, kind, duration_s))
            for name in order:
                row = combined(measured[(name, kind)])
                print(f"  {name} {kind}: {row.rate:.0f}/s, server CPU {row.cpu_ms:.2f} ms "
                      f"(rounds: {', '.join(f'{m.cpu_ms:.2f}' for m in row.rounds)}), "
                      f"database CPU {'?' if row.db_ms is None else f'{row.db_ms:.2f}'} ms, "
                      f"worker CPU {'-' if row.worker_ms is None else f'{row.worker_ms:.2f}'} "
                      f"ms, non-2xx {row.non_2xx}", flush=True)
    rows = [combined(slices) for slices in measured.values()]
    return (report(rows, duration_s, clients, old_commit, time.perf_counter() - started,
                   rounds), rows)


def load_note() -> str:
    with contextlib.suppress(OSError):
        one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
        return f"load average {one} / {five} / {fifteen} (1 / 5 / 15 min) at the end"
    return "load average unknown"


def report(rows: list[Measured], duration_s: int, clients: int, old_commit: str,
           took: float, rounds: int = 1) -> str:
    by = {(r.server, r.kind): r for r in rows}
    lines = [
        "## Server CPU per request over HTTP, beside the floor and " + old_commit,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m benchmarks.serving` "
        f"({took:.0f} s in all; {load_note()}); wrk, 1 thread, {clients} connections; 1 "
        "server process each (this tree's and the floor's each on one core, as `timebank "
        "serve` runs; 01a9f90 as the OS places it), PostgreSQL on loopback. Every server is "
        "up at once; for each "
        "kind of request each is warmed up (until it has answered one request per seeded "
        f"volunteer, at most {WARM_UP_S + WARM_UP_MAX_S} s: their aggregates are then "
        f"cached, as in a server that has been running), then driven {rounds} times "
        f"{duration_s} s, the servers taking turns in a new order each round, so that the "
        "machine's drift in speed falls on all of them alike. Server CPU: user + system of the "
        "server's processes per request answered, read once its projections have caught up "
        f"({SETTLE_S} s after each slice); database CPU: the PostgreSQL backends of that "
        "server's connections. A ratio is that of the sums over the rounds; beside it, in "
        "brackets, the lowest and highest ratio of one round. The floor makes "
        "the same checks, reads and locked writes and nothing else (`benchmarks/floor.py`); "
        f"{old_commit} is served from a `git archive` of that commit, seeded by its own code "
        "(it follows the projections in the serving process). This tree is served twice: "
        "with its defaults (the projections followed in the serving process, as "
        f"{old_commit} did), and as deployed on PostgreSQL (`TIMEBANK_FOLLOW_PROJECTIONS="
        "false` and a `timebank projections run` worker): there the server's CPU and the "
        "worker's are shown apart, and the whole cost is their sum. A server whose requests "
        "ran out says how many it was sent again (answered from their records: not "
        "comparable).",
        "",
        "| request | this tree, defaults: ms (database) | with a worker: server ms + worker ms "
        f"| floor ms (database) | {old_commit} ms (database) | defaults ÷ floor | server "
        f"with a worker ÷ floor | defaults ÷ {old_commit} | server + worker ÷ {old_commit} "
        f"| req/s defaults / with a worker / floor / {old_commit} | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def cell(r: Measured | None) -> str:
        if r is None:
            return "—"
        db = "?" if r.db_ms is None else f"{r.db_ms:.2f}"
        return f"{r.cpu_ms:.2f} ({db})"

    def split(r: Measured | None) -> str:
        if r is None:
            return "—"
        return f"{r.cpu_ms:.2f} + {r.worker_ms or 0:.2f} = {r.total_ms:.2f}"

    def ratio(a: Measured | None, b: Measured | None, whole: bool = False) -> str:
        if a is None or b is None:
            return "—"

        def of(x: Measured, y: Measured) -> float:
            return (x.total_ms if whole else x.cpu_ms) / y.cpu_ms

        text = f"{of(a, b):.2f}×"
        each = [of(x, y) for x, y in zip(a.rounds, b.rounds, strict=False)]
        if len(each) > 1:
            text += f" ({min(each):.2f}–{max(each):.2f})"
        return text

    for kind, label in zip(KINDS, ("scan", "approval", "redemption (PIN check included)"),
                           strict=True):
        this, worker = by.get(("this", kind)), by.get((WITH_WORKER, kind))
        floor, old = by.get(("floor", kind)), by.get((old_commit, kind))
        every = (this, worker, floor, old)
        rate = " / ".join("—" if r is None else f"{r.rate:.0f}" for r in every)
        bad = " / ".join("—" if r is None else str(r.non_2xx)
                         + (f" ({r.repeated} sent again)" if r.repeated else "") for r in every)
        lines.append(
            f"| {label} | {cell(this)} | {split(worker)} | {cell(floor)} | {cell(old)} "
            f"| {ratio(this, floor)} | {ratio(worker, floor)} "
            f"| {ratio(this, old)} | {ratio(worker, old, whole=True)} "
            f"| {rate} | {bad} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=4, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--old-commit", default=OLD_COMMIT)
    parser.add_argument("--only", nargs="+", metavar="SERVER",
                        help=f"measure only these servers (this, {WITH_WORKER}, floor, the "
                             "old commit): a quick look, not for docs/benchmarks.md")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--with-commands", action="store_true",
                        help="also the in-process commands (benchmarks/commands.py)")
    parser.add_argument("--output", type=Path,
                        help="put the sections into this markdown file (replacing their "
                             "earlier versions), e.g. docs/benchmarks.md")
    args = parser.parse_args()
    if shutil.which("git") is None:
        raise SystemExit("git is needed to check out the old commit")
    sections = []
    if args.with_commands:
        from benchmarks.commands import report as commands_report
        from benchmarks.commands import run_commands

        sections.append(commands_report(run_commands(args.postgres_url)))
    sections.insert(0, run_serving(args.postgres_url, args.duration, args.clients,
                                   args.old_commit, set(args.only) if args.only else None,
                                   tuple(args.kinds), args.rounds)[0])
    for section in sections:
        print(section)
        if args.output:
            splice(args.output, section)



def splice(path: Path, section: str) -> None:
    """Put a section (starting with its `## ` title) into a markdown file, replacing the
    section of the same title if there is one (up to the next `## `)."""
    title = section.splitlines()[0]
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.splitlines()
    if title in lines:
        start = lines.index(title)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        lines[start:end] = [*section.rstrip("\n").splitlines(), ""]
    else:
        lines += ["", *section.rstrip("\n").splitlines(), ""]
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
