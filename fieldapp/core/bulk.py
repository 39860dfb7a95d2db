"""Bulk inserts that return the new rows' ids in the order of the rows (a draw writes tens of
thousands of selections, assignments and visits at once)."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from ..extensions import db


def insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` into ``model``'s table with plain Core executemany; their ids, in order.

    PostgreSQL returns them in batches (RETURNING, sorted by parameter order). SQLite would run
    that one row per statement, so there the rows are inserted in one executemany and their ids
    are the next ones after the largest: the transaction holds SQLite's write lock (one writer at
    a time), and the count is checked."""
    if not rows:
        return []
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(connection.execute(stmt, rows).scalars())
    before = connection.execute(select(func.max(table.c.id))).scalar() or 0
    connection.execute(insert(table), rows)
    low, high, count = connection.execute(
        select(func.min(table.c.id), func.max(table.c.id), func.count()).where(table.c.id > before)
    ).one()
    if (low, high, count) != (before + 1, before + len(rows), len(rows)):
        raise RuntimeError("bulk insert: the new ids are not consecutive")  # not reached with one writer
    return list(range(before + 1, before + len(rows) + 1))
