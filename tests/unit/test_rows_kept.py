"""Rows kept between a replay's batches: only what committed, forgotten after a failure."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, delete, insert

from projections.base import Projection, Rows

metadata = MetaData()
things = Table("things", metadata, Column("id", String, primary_key=True),
               Column("count", Integer, nullable=False))


class Things(Projection):
    name = "things"
    tables = (things,)

    def __init__(self) -> None:
        self.rows = Rows(things)


def engine():  # type: ignore[no-untyped-def]
    e = create_engine("sqlite://")
    metadata.create_all(e)
    return e


def batch(e, projection: Things, *, fail: bool = False,  # type: ignore[no-untyped-def]
          keys: tuple[str, ...] = ("a",)):
    """One batch: +1 to each key's row (made when missing), as a projection's batch does."""
    try:
        with e.begin() as conn:
            projection.rows.reset()
            for key in keys:
                row = projection.rows.get(conn, key)
                if row is None:
                    projection.rows.add({"id": key, "count": 1})
                else:
                    projection.rows.change(conn, key, count=row["count"] + 1)
            projection.rows.flush(conn)
            if fail:
                raise RuntimeError("the batch fails after writing")
    except RuntimeError:
        projection.batch_failed()
        return
    projection.batch_committed()


def stored(e) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with e.connect() as conn:
        return [tuple(r) for r in conn.execute(things.select())]


def test_kept_rows_are_not_read_again() -> None:
    e, projection = engine(), Things()
    projection.keep_rows(10)
    batch(e, projection)
    with e.begin() as conn:  # behind its back: a kept row is not read again
        conn.execute(delete(things))
    batch(e, projection)
    assert stored(e) == [("a", 2)]


def test_without_keeping_every_batch_reads_its_rows() -> None:
    e, projection = engine(), Things()
    batch(e, projection)
    with e.begin() as conn:
        conn.execute(delete(things))
        conn.execute(insert(things).values(id="a", count=10))
    batch(e, projection)
    assert stored(e) == [("a", 11)]


def test_a_failed_batch_leaves_nothing_kept() -> None:
    e, projection = engine(), Things()
    projection.keep_rows(10)
    batch(e, projection)
    batch(e, projection, fail=True)  # wrote count=2, rolled back
    assert stored(e) == [("a", 1)]
    projection.batch_committed()  # a later page with nothing for it
    batch(e, projection)
    assert stored(e) == [("a", 2)]


def test_beyond_the_limit_rows_are_read_again() -> None:
    e, projection = engine(), Things()
    projection.keep_rows(1)
    batch(e, projection, keys=("a", "b"))  # two rows: more than it keeps
    with e.begin() as conn:
        conn.execute(delete(things).where(things.c.id == "a"))
        conn.execute(insert(things).values(id="a", count=10))
    batch(e, projection)
    assert sorted(stored(e)) == [("a", 11), ("b", 1)]
