"""Server CPU per HTTP scan, approval and redemption: this tree beside the floor and 01a9f90.

    python -m benchmarks.serving [--duration 5] [--clients 16] [--old-commit 01a9f90]

Four servers, one after another, on PostgreSQL on loopback, each driven by wrk with the
same kind of requests (`benchmarks/http_seed.py` writes them):
- this tree, `timebank serve` (1 worker, its defaults: projections followed in-process);
- this tree as deployed on PostgreSQL: `serve` with TIMEBANK_FOLLOW_PROJECTIONS=false and
  a `timebank projections run` worker beside it (its CPU measured apart);
- the floor (`benchmarks/floor.py`): the same token, QR and PIN checks, the same reads in
  as few round trips, the same locked write, and nothing else;
- the commit `--old-commit` (issue 18's "today's main"), checked out with `git archive`
  into a temporary folder and served from there with this environment's packages, seeded
  by its own code in a schema of its own.
Each figure is the CPU time of the server's processes (user + system, read from /proc)
divided by the requests answered, and beside it the CPU time of the PostgreSQL backends
serving that server's connections (found by `application_name`). A warm-up run before each
measured one fills caches and pools. CPU per request moves least with the machine's other
load, which is why it is the figure compared; requests/s is shown as it was.

Not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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
from dataclasses import dataclass
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


def drive(wrk: str, url: str, server: Served, kind: str, seed_dir: Path, clients: int,
          duration_s: int, offset: int) -> tuple[Measured, int]:
    script = seed_dir / "requests.lua"
    script.write_text(REQUESTS_LUA + DONE_LUA)
    requests = str(seed_dir / f"{kind}.txt")
    available = len(Path(requests).read_text(encoding="utf-8").splitlines())

    def run(seconds: int) -> tuple[object, float, float | None, float | None]:
        cpu = tree_cpu_seconds(server.process.pid) or 0.0
        worker = server.worker_cpu_seconds()
        db = backend_cpu_seconds(url, server.application)
        done = subprocess.run(  # noqa: S603
            [wrk, "-t", "1", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "30s",
             "-s", str(script), f"{server.base}/", "--", str(offset), requests],
            capture_output=True, text=True, check=True, timeout=seconds + 120)
        result = _parse_wrk(done.stdout)
        db_after = backend_cpu_seconds(url, server.application)
        worker_after = server.worker_cpu_seconds()
        return (result, (tree_cpu_seconds(server.process.pid) or 0.0) - cpu,
                None if db is None or db_after is None else db_after - db,
                None if worker is None or worker_after is None else worker_after - worker)

    warm, _, _, _ = run(2)
    offset += warm.sent  # type: ignore[attr-defined]
    result, cpu, db, worker = run(duration_s)
    offset += result.sent  # type: ignore[attr-defined]
    # The floor changes nothing, so what it is sent again it does again: not a repeat.
    repeated = 0 if server.name == "floor" else max(  # type: ignore[attr-defined]
        0, min(result.sent, offset - available))  # type: ignore[attr-defined]
    return Measured(server.name, kind, result.requests, result.non_2xx + result.socket_errors,  # type: ignore[attr-defined]
                    result.seconds, cpu, db, worker, repeated), offset  # type: ignore[attr-defined]


def run_serving(url: str, duration_s: int = 5, clients: int = 16,
                old_commit: str = OLD_COMMIT, only: set[str] | None = None,
                kinds: tuple[str, ...] = KINDS) -> tuple[str, list[Measured]]:
    """`only`: the servers to measure (this, this+worker, floor, the old commit's name),
    for a quick look at a few of them; the report is written from a run of all four."""
    wrk = ensure_wrk()
    secret = secrets.token_urlsafe(48)  # this run's only: its tokens are worthless after
    started = time.perf_counter()
    rows: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="timebank-serving-") as tmp:
        work = Path(tmp)
        old_tree = checkout(old_commit, work / "old")
        schemas = {"this": fresh_schema(url), "old": fresh_schema(url)}
        try:
            print("  seeding this tree's schema …", flush=True)
            # Four times the requests: this tree serves them twice (alone, then beside a
            # projection worker), and an approval or a check-in cannot be sent twice (at
            # three, approvals at 250/s ran out and came round again as refusals).
            seed(REPO, url, schemas["this"], secret, work / "seed-this", scale=4)
            print(f"  seeding {old_commit}'s schema with its own code …", flush=True)
            if only is None or old_commit in only:
                seed(old_tree, url, schemas["old"], secret, work / "seed-old", scale=2)
            timebank = [sys.executable, "-c", "from timebank.cli import main; main()",
                        "serve", "--host", "127.0.0.1", "--port", "{port}"]
            base_env = {**os.environ, "TIMEBANK_DATABASE_URL": url, "TIMEBANK_SECRET_KEY": secret,
                        "TIMEBANK_SCANS_PER_MINUTE": "1000000"}
            this_env = {**base_env, "TIMEBANK_DATABASE_SCHEMA": schemas["this"],
                        "TIMEBANK_VAR_DIR": str(work / "var-this"), "PYTHONPATH": str(REPO)}
            worker = [sys.executable, "-c", "from timebank.cli import main; main()",
                      "projections", "run"]
            servers: list[tuple[str, list[str], dict[str, str], Path, Path,
                                list[str] | None]] = [
                ("this", timebank, this_env, REPO, work / "seed-this", None),
                # As deployed on PostgreSQL: the API leaves the projections to a worker.
                (WITH_WORKER, timebank, {**this_env, "TIMEBANK_FOLLOW_PROJECTIONS": "false"},
                 REPO, work / "seed-this", worker),
                ("floor", [sys.executable, "-m", "benchmarks.floor", "--port", "{port}",
                           "--url", url, "--schema", schemas["this"], "--secret", secret,
                           "--seed", str(work / "seed-this")],
                 {**base_env, "PYTHONPATH": str(REPO)}, REPO, work / "seed-this", None),
                (old_commit, timebank, {**base_env, "TIMEBANK_DATABASE_SCHEMA": schemas["old"],
                                        "TIMEBANK_VAR_DIR": str(work / "var-old"),
                                        "PYTHONPATH": str(old_tree)}, old_tree,
                 work / "seed-old", None),
            ]
            offsets: dict[tuple[str, str], int] = {}
            for name, command, env, cwd, seed_dir, companion in servers:
                if only is not None and name not in only:
                    continue
                server = Served(name, command, env, cwd, work / f"{name}.log", companion)
                try:
                    server.wait_ready()
                    for kind in kinds:
                        # The floor changes nothing: it may send this tree's requests again.
                        key = (str(seed_dir), kind)
                        measured, offsets[key] = drive(
                            wrk, url, server, kind, seed_dir, clients, duration_s,
                            0 if name == "floor" else offsets.get(key, 0))
                        rows.append(measured)
                        print(f"  {name} {kind}: {measured.rate:.0f}/s, server CPU "
                              f"{measured.cpu_ms:.2f} ms, database CPU "
                              f"{measured.db_ms if measured.db_ms is not None else '?'} ms, "
                              f"worker CPU {measured.worker_ms if measured.worker_ms is not None else '-'}"
                              f" ms, non-2xx {measured.non_2xx}", flush=True)
                finally:
                    server.stop()
        finally:
            for schema in schemas.values():
                drop_schema(url, schema)
    return report(rows, duration_s, clients, old_commit, time.perf_counter() - started), rows


def load_note() -> str:
    with contextlib.suppress(OSError):
        one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
        return f"load average {one} / {five} / {fifteen} (1 / 5 / 15 min) at the end"
    return "load average unknown"


def report(rows: list[Measured], duration_s: int, clients: int, old_commit: str,
           took: float) -> str:
    by = {(r.server, r.kind): r for r in rows}
    lines = [
        "## Server CPU per request over HTTP, beside the floor and " + old_commit,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m benchmarks.serving` "
        f"({took:.0f} s in all; {load_note()}); wrk, 1 thread, {clients} connections, "
        f"{duration_s} s per kind after a 2 s warm-up; 1 server process each, PostgreSQL on "
        "loopback. Server CPU: user + system of the server's processes per request answered; "
        "database CPU: the PostgreSQL backends of that server's connections. The floor makes "
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

    def ratio(a: float | None, b: Measured | None) -> str:
        return "—" if a is None or b is None else f"{a / b.cpu_ms:.2f}×"

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
            f"| {ratio(this and this.cpu_ms, floor)} | {ratio(worker and worker.cpu_ms, floor)} "
            f"| {ratio(this and this.cpu_ms, old)} | {ratio(worker and worker.total_ms, old)} "
            f"| {rate} | {bad} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=5)
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
                                   tuple(args.kinds))[0])
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
