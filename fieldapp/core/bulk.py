"""Bulk inserts for the draw (tens of thousands of selections, assignments and visits at once):
ids allocated beforehand, rows written as plain tuples with the driver's executemany."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from sqlalchemy import Column, func, select, text

from ..extensions import db

PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def allocate_ids(model, count: int) -> list[int]:
    """``count`` new ids for ``model``'s table, in ascending order.

    PostgreSQL takes them from the table's sequence. SQLite has none: the ids after the largest
    are free while this transaction holds SQLite's write lock (one writer at a time: the draw
    writes its own row first). Rows are then inserted with these ids, so an id taken meanwhile
    could only make the insert fail, never mix two draws' rows."""
    if count <= 0:
        return []
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count},
        )
        return sorted(row[0] for row in rows)
    before = connection.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(before + 1, before + count + 1))


def bind_value(column: Column, value):
    """``value`` as :func:`insert_rows` hands it to the driver for ``column`` (e.g. an aware time
    for SQLite). On PostgreSQL, whose rows go by COPY as text, a date or a time is given as the text
    COPY writes for it, made once: dumping the same value again on each of tens of thousands of rows
    was most of the cost of writing them (the same text reaches the server either way)."""
    connection = db.session.connection()
    processor = column.type._cached_bind_processor(connection.dialect)
    value = processor(value) if processor else value
    if connection.dialect.name == "postgresql" and isinstance(value, date | time):  # (a datetime is a date)
        from psycopg.adapt import PyFormat, Transformer

        driver = connection.connection.driver_connection
        dumped = Transformer(driver).get_dumper(value, PyFormat.TEXT).dump(value)
        assert dumped is not None, "a date or a time is never NULL"
        return bytes(dumped).decode()
    return value


def insert_rows(model, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``, values as the driver takes them: see
    :func:`bind_value`) with one executemany, or COPY on PostgreSQL: no per-row work in SQLAlchemy. Columns left out get
    their database default (NULL), never a Python-side default: name every such column."""
    if not rows:
        return
    connection = db.session.connection()
    table = model.__table__
    for name in columns:
        table.c[name]  # noqa: B018  (an unknown column fails here, with its name)
    if connection.dialect.name == "postgresql":  # COPY: several times faster than INSERTs
        driver = connection.connection.driver_connection
        assert driver is not None, "a connection checked out of the pool has its driver connection"
        with driver.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    mark = PLACEHOLDERS[connection.dialect.paramstyle]
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    connection.exec_driver_sql(sql, rows)
