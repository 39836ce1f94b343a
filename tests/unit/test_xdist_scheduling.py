"""The suite's xdist scheduler sends every collected test exactly once, the browser tests
all to one worker — even when tests share a node id, as the schemathesis fuzz tests do."""

from __future__ import annotations

from typing import Any

from tests.xdist_scheduling import BrowserTestsTogether


class Worker:
    def __init__(self) -> None:
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent += indices


def scheduler(collection: list[str], workers: list[Worker]) -> Any:
    made = BrowserTestsTogether.__new__(BrowserTestsTogether)  # no xdist session needed
    made.collection = collection
    made.pending = list(range(len(collection)))
    made.node2pending = {worker: [] for worker in workers}
    return made


def test_every_test_is_sent_once_and_the_browser_tests_together() -> None:
    collection = (["tests/api/test_a.py::t1", "tests/fuzz/test_f.py::fuzz"] * 3
                  + [f"tests/e2e/test_b.py::t[{n}]" for n in range(5)]
                  + [f"tests/unit/test_c.py::t{n}" for n in range(7)])
    first, second = Worker(), Worker()
    sending = scheduler(collection, [first, second])
    sending._send_tests(first, 2)
    sending._send_tests(second, 2)
    while sending.pending:
        sending._send_tests(second, 3)
        sending._send_tests(first, 1)
    sent = first.sent + second.sent
    assert sorted(sent) == list(range(len(collection)))  # each once, duplicates of ids too
    browser = {i for i, nodeid in enumerate(collection) if nodeid.startswith("tests/e2e/")}
    assert browser <= set(first.sent) and not browser & set(second.sent)
    assert first.sent[:5] == sorted(browser)  # in one batch, in the collection's order
