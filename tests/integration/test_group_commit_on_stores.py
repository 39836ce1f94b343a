"""Group commit on the real stores: concurrent approvals share commits, and lose nothing."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from eventsourcing.persistence import StoredEvent

from projections import queries
from projections.runner import ProjectionRunner
from tests.helpers import District, forget_cached
from timebank.domain.actors import SYSTEM
from timebank.infrastructure.group_commit import GroupCommit

THREADS = 12
VOLUNTEERS = 4
RECORDS_EACH = 6  # 24 approvals, 6 per passbook: conflicts on a passbook are certain


def hold_first_commit_until_queued(committer: GroupCommit, queued: int) -> None:
    """Make grouping certain: the first transaction waits until `queued` saves wait too."""
    insert = committer._insert
    held = threading.Event()

    def insert_after_queue(events: Sequence[StoredEvent]):
        if not held.is_set():
            held.set()
            for _ in range(10_000):
                with committer._lock:
                    if len(committer._queue) >= queued:
                        break
                threading.Event().wait(0.001)
        return insert(events)

    committer._insert = insert_after_queue


def test_concurrent_approvals_share_commits_and_every_point_arrives_once(
    services, runner: ProjectionRunner
) -> None:
    d = District.build(services)
    volunteers = [d.volunteer(name=f"志愿者{i}") for i in range(VOLUNTEERS)]
    records = [
        d.serve(volunteer, 60, d.plan_activity(d.office, "elderly_care", 60))
        for volunteer in volunteers
        for _ in range(RECORDS_EACH)
    ]
    head_before = services.recorder.max_notification_id()
    committer: GroupCommit = services.recorder.group_commit
    commits_before, saves_before = committer.commits, committer.saves
    hold_first_commit_until_queued(committer, queued=4)
    start = threading.Barrier(THREADS)

    def approve(index: int) -> dict:
        if index < THREADS:
            start.wait()
        return services.approve_service_record(SYSTEM, records[index].id)

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(approve, range(len(records))))

    # Commands shared transactions (fewer commits than saves) ...
    assert committer.commits - commits_before < committer.saves - saves_before
    # ... and each approval happened once, crediting its own passbook once.
    assert all(answer["status"] == "approved" for answer in answers)
    forget_cached(services)
    points_per_hour = answers[0]["points"]
    for volunteer in volunteers:
        passbook = services.load_passbook(volunteer.passbook_no)
        assert passbook.balance == RECORDS_EACH * points_per_hour
    for record in records:
        assert services.load_service_record(record.id).status == "approved"

    # The notification log has no gap and no duplicate: 2 events per approval.
    notifications = services.recorder.select_notifications(head_before + 1, 10_000)
    ids = [n.id for n in notifications]
    assert ids == list(range(head_before + 1, head_before + 1 + 2 * len(records)))
    assert len({(n.originator_id, n.originator_version) for n in notifications}) == len(ids)

    # The projections read the shared commits like any other.
    runner.catch_up()
    for volunteer in volunteers:
        view = queries.passbook_view(runner.engine, volunteer.passbook_no)
        assert view["balance_points"] == RECORDS_EACH * points_per_hour
        assert len(view["entries"]) == RECORDS_EACH


def test_group_commit_can_be_switched_off(settings) -> None:
    from timebank.runtime import build_runtime

    runtime = build_runtime(settings.model_copy(update={"group_commit": False}))
    try:
        assert not hasattr(runtime.app.recorder, "group_commit")
        d = District.build(runtime.app)
        volunteer = d.volunteer()
        assert d.earn(volunteer, 60)["status"] == "approved"
    finally:
        runtime.close()
