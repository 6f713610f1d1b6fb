"""Bulk writes for the ingest path: plain rows in, as few statements as each database allows.

Django's `bulk_create` and `bulk_update` build a model object per row and prepare each value
one field at a time; `bulk_update` writes one CASE expression per field and row. At thousands
of posts per second that is most of a batch's time, so ingest writes plain rows here:

- SQLite: multi-row `INSERT … VALUES (?, …), … RETURNING id`, written with qmark placeholders
  so the backend has nothing to rewrite in a statement of 30,000 parameters;
- PostgreSQL: `COPY … FROM STDIN`, the bulk-load protocol (psycopg formats rows in C), with
  the ids drawn from the table's sequence beforehand; the author upsert uses `unnest()` arrays,
  one per column; updates go one row per statement, pipelined, each by primary key. All on a
  server-binding cursor: Django's cursors bind parameters on the client, quoting every value
  into the SQL text in Python.

Values are prepared by one function per column (datetimes, JSON); the rest go as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models


class Row:
    """A table row during ingest: a plain object is far cheaper than a model instance.
    Attribute names are the model's attnames (`author_id`, not `author`)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    if TYPE_CHECKING:  # any attribute, as the model's columns are (runtime stays plain)

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    @property
    def pk(self) -> int:
        return int(self.__dict__["id"])


def dumps(value: Any) -> str:
    """JSON text for a JSONField, compact, by orjson. What orjson refuses (a lone surrogate in a
    hostile payload, an integer beyond 64 bits) goes through the standard library instead of
    failing the batch, with each lone surrogate replaced by U+FFFD (PostgreSQL's jsonb refuses
    them even escaped)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


@lru_cache(maxsize=8192)
def _sqlite_datetime_text(value: datetime) -> str:
    # What Django's SQLite backend stores: naive UTC text. Aware values only (USE_TZ). A batch
    # repeats the same few instants (its "now", shared deadlines), hence the cache.
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _sqlite_datetime(value: datetime | None) -> str | None:
    return None if value is None else _sqlite_datetime_text(value)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else dumps(value)


def _preparers(fields: Sequence[Any], conn: Any) -> list[Callable[[Any], Any] | None]:
    """One function per field turning a Python value into a database parameter, or None where
    the value goes as it is. PostgreSQL takes datetimes as they are (psycopg adapts them)."""
    sqlite = conn.vendor == "sqlite"
    out: list[Callable[[Any], Any] | None] = []
    for f in fields:
        if isinstance(f, models.DateTimeField) and sqlite:
            out.append(_sqlite_datetime)
        elif isinstance(f, models.JSONField):
            out.append(dumps if sqlite else _json_or_none)
        else:
            out.append(None)
    return out


def _qmark(conn: Any) -> str:
    """SQLite's own placeholder, which Django's backend passes through untouched (rewriting
    30,000 `%s` costs ~20 ms a batch), except when queries are logged (DEBUG, tests capturing
    queries): the log substitutes parameters into `%s`."""
    return "%s" if conn.queries_logged else "?"


@contextmanager
def _pg_cursor(conn: Any) -> Iterator[Any]:
    """A psycopg cursor binding parameters on the server, on Django's connection (so in its
    transaction). Django's own cursors bind on the client, quoting every element of every array
    into the SQL text in Python: most of a batch's time at these sizes. Errors come out as
    Django's (a deadlock is `django.db.OperationalError`); statements run here are not in
    Django's query log."""
    import psycopg

    conn.ensure_connection()
    with conn.wrap_database_errors, psycopg.Cursor(conn.connection) as cursor:
        yield cursor


def fetch(query: Any) -> list[tuple[Any, ...]]:
    """The rows of a `values_list()` queryset, read past Django's per-value converters: ingest
    reads thousands of rows a batch. On PostgreSQL through a server-binding cursor (its IN
    lists carry thousands of ids, which Django's client-side binding quotes into the SQL text
    one by one); on SQLite, datetime columns come back naive and are made aware (UTC) here.
    Plain columns and datetimes only: not for JSON or fields with converters of their own."""
    conn = connections[query.db]
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # an empty IN list: nothing can match
        return []
    if conn.vendor == "postgresql":
        with _pg_cursor(conn) as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    meta = query.model._meta
    moments = [  # annotations come after the fields: none of them is a datetime here
        i
        for i, name in enumerate(query.query.values_select)
        if isinstance(meta.get_field(name), models.DateTimeField)
    ]
    if not moments or not rows:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i in moments:
            value = values[i]
            if value is not None and value.tzinfo is None:
                values[i] = value.replace(tzinfo=UTC)
        out.append(tuple(values))
    return out


def insert_values(
    model: Any, rows: Sequence[dict[str, Any]], *, returning: bool = True
) -> list[int]:
    """INSERT plain rows (attname → value; missing names take the field's default) and return
    the new ids in order (none with `returning=False`, which spares reading them back)."""
    if not rows:
        return []
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    auto = meta.pk if meta.pk.get_internal_type() in ("AutoField", "BigAutoField") else None
    fields = [f for f in meta.concrete_fields if f is not auto]
    if not returning:
        auto = None
    spec = [
        (f.attname, f.get_default(), fn)
        for f, fn in zip(fields, _preparers(fields, conn), strict=True)
    ]
    quote = conn.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    ids: list[int] = []
    if conn.vendor == "postgresql":
        with _pg_cursor(conn) as cursor:
            if auto is not None:
                # COPY returns nothing: the ids come from the table's sequence first.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, auto.column, len(rows)],
                )
                ids = [pk for (pk,) in cursor.fetchall()]
                columns = f"{quote(auto.column)}, {columns}"
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for n, row in enumerate(rows):
                    get = row.get
                    values = [
                        get(name, default) if fn is None else fn(get(name, default))
                        for name, default, fn in spec
                    ]
                    write([ids[n], *values] if auto is not None else values)
        return ids
    returning_sql = f" RETURNING {quote(auto.column)}" if auto is not None else ""
    with conn.cursor() as cursor:
        row_sql = "(" + ", ".join([_qmark(conn)] * len(fields)) + ")"
        per = max(1, 30_000 // len(fields))  # SQLite allows 32,766 parameters per statement
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params: list[Any] = []
            append = params.append
            for row in chunk:
                get = row.get
                for name, default, fn in spec:
                    value = get(name, default)
                    append(value if fn is None else fn(value))
            # Names come from the model; every value is a parameter.
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                + ", ".join([row_sql] * len(chunk))
                + returning_sql
            )
            cursor.execute(sql, params)
            if auto is not None:
                ids.extend(pk for (pk,) in cursor.fetchall())
    return ids


def upsert_returning(
    model: Any,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str],
    returning: Sequence[str],
) -> list[Row]:
    """PostgreSQL: INSERT rows, or take the existing row where `conflict` matches, and return
    every row as it now is. Both lock the row until the transaction ends, in the order given
    (`ON CONFLICT DO UPDATE` writes the key onto itself to take the lock)."""
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    names = list(rows[0]) if rows else []
    if not names:
        return []
    fields = [meta.get_field(n) for n in names]
    quote = conn.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    arrays = [[row[n] for row in rows] for n in names]
    unnest = ", ".join(f"%s::{f.db_type(conn)}[]" for f in fields)
    keys = [quote(meta.get_field(n).column) for n in conflict]
    out = [quote(meta.get_field(n).column) for n in returning]
    # Names and types come from the model; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({unnest}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {keys[0]} = EXCLUDED.{keys[0]} "
        f"RETURNING {', '.join(out)}"
    )
    with _pg_cursor(conn) as cursor:
        cursor.execute(sql, arrays)
        return [Row(**dict(zip(returning, values, strict=True))) for values in cursor.fetchall()]


def update_rows(model: Any, names: list[str], rows: Sequence[Any]) -> None:
    """UPDATE the named fields of rows (objects with those attnames and `pk`) by id, one
    prepared statement per row (pipelined on PostgreSQL)."""
    if not rows:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    fields = [model._meta.get_field(n) for n in names]
    prepare = list(zip([f.attname for f in fields], _preparers(fields, conn), strict=True))
    quote = conn.ops.quote_name
    table = quote(model._meta.db_table)
    pk_column = quote(model._meta.pk.column)
    values = attrgetter(*(n for n, _fn in prepare), "id")
    fns = [fn for _n, fn in prepare] + [None]  # the id goes as it is
    params: list[Any]
    if any(fns):
        params = [
            [v if fn is None else fn(v) for v, fn in zip(values(obj), fns, strict=True)]
            for obj in rows
        ]
    else:
        params = [values(obj) for obj in rows]
    postgres = conn.vendor == "postgresql"
    mark = "%s" if postgres else _qmark(conn)
    assignments = ", ".join(f"{quote(f.column)} = {mark}" for f in fields)
    # Names come from the model; every value is a parameter.
    sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = {mark}"  # noqa: S608
    # PostgreSQL: psycopg pipelines the statements. (`UPDATE … FROM unnest()` would let the
    # planner hash-join a scan of the whole table.)
    with _pg_cursor(conn) if postgres else conn.cursor() as cursor:
        cursor.executemany(sql, params)
