"""xdist's `load` scheduler, with every browser test sent to one worker in its first batch
(tests/conftest.py says why; tests/unit/test_xdist_scheduling.py checks that every test is
sent once)."""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScheduling

from tests.browser_timing import PREFIX as BROWSER_TESTS


class BrowserTestsTogether(LoadScheduling):
    _browser_node: Any = None

    def _send_tests(self, node: Any, num: int) -> None:
        # Overrides xdist's private batch sender, the one place tests leave the queue.
        assert self.collection is not None
        if self._browser_node is None and (browser := [
                i for i in self.pending if self.collection[i].startswith(BROWSER_TESTS)]):
            self._browser_node = node
            self.pending[:] = [i for i in self.pending
                               if not self.collection[i].startswith(BROWSER_TESTS)]
            self.node2pending[node].extend(browser)
            node.send_runtest_some(browser)
            return
        super()._send_tests(node, num)
