"""Whose money a fund's class holds, in bounded state: one queue per holding.

The tracing rule (oldest money first) used to keep one lot per donation in the `Fund`, so a
fund's state — and the cost of loading, copying and snapshotting it — grew with every gift.
Here a holding (an asset account and a cash class: `cash` / `restricted:助老`) is a queue
on a line of offsets: each gift takes the next interval `[start, end)` (`start` = the
queue's `in`), and spending oldest first moves a cursor (`out`). A lot is therefore two
integers kept by whoever owns it (the donation), and the fund keeps per holding only
`in`, `out` and the "holes": parts ahead of the cursor that left out of order (a void
takes its own gift; a consented change of purpose takes the named gifts' money). Holes
behind the cursor are forgotten, so the state grows with out-of-order takes still ahead
of the cursor, never with the number of gifts.

A queue is a plain dict, so it snapshots as JSON: {"in": int, "out": int, "holes": [[a, b]]}.
"""

from __future__ import annotations

from typing import Any

Queue = dict[str, Any]


def new_queue() -> Queue:
    return {"in": 0, "out": 0, "holes": []}


def add(queue: Queue, amount: int) -> tuple[int, int]:
    """A new lot at the back of the queue: its interval."""
    start = queue["in"]
    queue["in"] = start + amount
    return start, start + amount


def take_oldest(queue: Queue, amount: int) -> None:
    """Spend `amount` oldest first: the cursor moves over it, skipping what already left."""
    position, holes = queue["out"], queue["holes"]
    index = 0
    while amount > 0 and position < queue["in"]:
        if index < len(holes) and holes[index][0] <= position:
            position = max(position, holes[index][1])
            index += 1
            continue
        limit = holes[index][0] if index < len(holes) else queue["in"]
        step = min(amount, limit - position)
        position += step
        amount -= step
    queue["out"] = position
    queue["holes"] = [list(h) for h in holes[index:]]
    _settle(queue)


def remaining(queue: Queue, start: int, end: int) -> int:
    """What is still held of the lot `[start, end)`."""
    low = max(start, queue["out"])
    if low >= end:
        return 0
    gone = sum(max(0, min(b, end) - max(a, low)) for a, b in queue["holes"])
    return end - low - gone


def take_from(queue: Queue, start: int, end: int, amount: int) -> list[list[int]]:
    """Take up to `amount` out of the lot `[start, end)`, its oldest part first (a void, or
    a consented change of purpose of that gift): the parts taken, now holes."""
    taken: list[list[int]] = []
    position = max(start, queue["out"])
    for a, b in sorted(queue["holes"]):
        if amount <= 0 or position >= end:
            break
        if b <= position:
            continue
        if a > position:
            step = min(amount, min(a, end) - position)
            if step > 0:
                taken.append([position, position + step])
                amount -= step
        position = max(position, b)
    if amount > 0 and position < end:
        step = min(amount, end - position)
        taken.append([position, position + step])
    mark_taken(queue, taken)
    return taken


def mark_taken(queue: Queue, parts: list[list[int]]) -> None:
    """Record parts that left out of order (from an event that names them)."""
    queue["holes"] = [list(h) for h in queue["holes"]] + [list(p) for p in parts]
    _settle(queue)


def _settle(queue: Queue) -> None:
    """Holes sorted and merged; those the cursor reached are forgotten (it skips them)."""
    merged: list[list[int]] = []
    for a, b in sorted(queue["holes"]):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    while merged and merged[0][0] <= queue["out"]:
        queue["out"] = max(queue["out"], merged[0][1])
        merged.pop(0)
    queue["holes"] = merged


def held(queue: Queue) -> int:
    """Everything still in the queue (equals the class's balance)."""
    return queue["in"] - queue["out"] - sum(b - a for a, b in queue["holes"])
