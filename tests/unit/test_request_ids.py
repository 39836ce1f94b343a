"""Request ids (api/request_ids.py): unique, 32 hex digits, a new prefix in a forked child."""

from __future__ import annotations

import os
import re
import threading

from api.request_ids import new_request_id


def test_ids_are_32_hex_digits_and_never_repeat_across_threads() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def draw() -> None:
        mine = [new_request_id() for _ in range(2_000)]
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8_000
    assert len(set(seen)) == 8_000
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in seen)


def test_a_forked_child_draws_ids_of_its_own() -> None:
    read, write = os.pipe()
    parent_next = new_request_id()
    pid = os.fork()
    if pid == 0:  # the child: report its next id, then leave at once
        os.close(read)
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent_after = new_request_id()
    # Without a new prefix the child would hand out the very id the parent hands out next.
    assert child != parent_after
    assert child[:16] != parent_next[:16]
    assert parent_after[:16] == parent_next[:16]
