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
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

import orjson
from django.db import DEFAULT_DB_ALIAS, connections, models

# Parameters per SQLite statement: it allows 32,766 by default since 3.32 (some builds more).
SQLITE_PARAMETERS = 30_000


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
def _sqlite_datetime(value: datetime | None) -> str | None:
    # What Django's SQLite backend stores: naive UTC text. Aware values only (USE_TZ). A batch
    # repeats the same few instants (its "now", shared deadlines), hence the cache.
    return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


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
    """SQLite's own placeholder (see _sqlite_cursor), except when queries are logged (DEBUG,
    tests capturing queries): the log substitutes parameters into `%s`."""
    return "%s" if conn.queries_logged else "?"


@contextmanager
def _sqlite_cursor(conn: Any) -> Iterator[Any]:
    """SQLite: the connection's own cursor, taking `?` placeholders as they are. Django's
    backend rewrites `%s` into `?` with a regular expression over the whole statement (90 KB of
    text for a batch's insert) on every call. When queries are logged, Django's cursor instead,
    so that the log stays whole. Errors come out as Django's either way; `execute_wrapper`s
    installed on the connection do not see these statements (nor PostgreSQL's, below)."""
    if conn.queries_logged:
        with conn.cursor() as cursor:
            yield cursor
        return
    conn.ensure_connection()
    conn.validate_no_broken_transaction()  # as Django's cursor does
    cursor = conn.connection.cursor()
    try:
        with conn.wrap_database_errors:
            yield cursor
    finally:
        cursor.close()


def _cursor(conn: Any) -> Any:
    return _pg_cursor(conn) if conn.vendor == "postgresql" else _sqlite_cursor(conn)


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


def select(
    model: Any,
    columns: Sequence[str],
    *,
    among: tuple[str, Collection[Any]],
    where: Mapping[str, Any] | None = None,
    since: tuple[str, datetime] | None = None,
    count: bool = False,
    lock: bool = False,
) -> list[tuple[Any, ...]]:
    """`SELECT columns FROM model's table WHERE field IN among AND where… AND field >= since`,
    read past the ORM: ingest reads thousands of rows a batch by IN lists of thousands, and
    Django prepares every element of such a list through its field, then every value it reads
    back through its converters. Names are attnames; `count` adds `COUNT(*)` grouped by
    `columns` (which must include the listed field); a tuple in `where` is a short list of
    choices; `lock` takes the rows `FOR UPDATE` in primary-key order (PostgreSQL: SQLite's
    write transaction locks the whole database already).

    SQLite: datetime columns come back naive and are made aware (UTC) here; JSON and fields
    with converters of their own are not for this. PostgreSQL: the list goes as one array
    parameter (`= ANY(%s)`) on a server-binding cursor."""
    name, values = among
    if not values:
        return []
    if count and name not in columns:
        raise ValueError("count groups by the listed field too (lists are read in chunks)")
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    quote = conn.ops.quote_name
    fields = [meta.get_field(c) for c in columns]
    postgres = conn.vendor == "postgresql"
    mark = "%s" if postgres else _qmark(conn)
    conditions: list[str] = []
    fixed: list[Any] = []
    for attname, value in (where or {}).items():
        if value is None or isinstance(value, datetime):
            raise ValueError(f"where {attname}: plain values only (None matches nothing)")
        column = quote(meta.get_field(attname).column)
        if isinstance(value, tuple):  # a short list of choices
            if postgres:
                conditions.append(f"{column} = ANY({mark})")
                fixed.append(list(value))
            else:
                conditions.append(f"{column} IN ({', '.join([mark] * len(value))})")
                fixed.extend(value)
        else:
            conditions.append(f"{column} = {mark}")
            fixed.append(value)
    if since is not None:
        conditions.append(f"{quote(meta.get_field(since[0]).column)} >= {mark}")
        fixed.append(since[1] if postgres else _sqlite_datetime(since[1]))
    listed = quote(meta.get_field(name).column)
    selected = ", ".join(quote(f.column) for f in fields) + (", COUNT(*)" if count else "")
    tail = ""
    if count:
        tail = " GROUP BY " + ", ".join(quote(f.column) for f in fields)
    elif lock and postgres:
        tail = f" ORDER BY {quote(meta.pk.column)} FOR UPDATE"
    head = f"SELECT {selected} FROM {quote(meta.db_table)} WHERE "  # noqa: S608
    # Names come from the model; every value is a parameter.
    if postgres:
        sql = head + " AND ".join([*conditions, f"{listed} = ANY({mark})"]) + tail
        with _pg_cursor(conn) as cursor:
            cursor.execute(sql, [*fixed, list(values)])
            return list(cursor.fetchall())
    rows: list[tuple[Any, ...]] = []
    items = list(dict.fromkeys(values))  # a value in two chunks would give its rows twice
    per = SQLITE_PARAMETERS - len(fixed)
    with _sqlite_cursor(conn) as cursor:
        for start in range(0, len(items), per):
            chunk = items[start : start + per]
            sql = (
                head
                + " AND ".join([*conditions, f"{listed} IN ({', '.join([mark] * len(chunk))})"])
                + tail
            )
            cursor.execute(sql, [*fixed, *chunk])
            rows.extend(cursor.fetchall())
    moments = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
    if not moments or not rows:
        return rows
    out = []
    for row in rows:
        read = list(row)
        for i in moments:
            value = read[i]
            if value is not None and value.tzinfo is None:
                read[i] = value.replace(tzinfo=UTC)
        out.append(tuple(read))
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
    values_of = _values_getter(spec)
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
                    values = values_of(row)
                    write([ids[n], *values] if auto is not None else values)
        return ids
    returning_sql = f" RETURNING {quote(auto.column)}" if auto is not None else ""
    with _sqlite_cursor(conn) as cursor:
        row_sql = "(" + ", ".join([_qmark(conn)] * len(fields)) + ")"
        per = max(1, SQLITE_PARAMETERS // len(fields))
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params: list[Any] = []
            extend = params.extend
            for row in chunk:
                extend(values_of(row))
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


def _values_getter(
    spec: Sequence[tuple[str, Any, Callable[[Any], Any] | None]],
) -> Callable[[dict[str, Any]], list[Any]]:
    """A row's values in the order of `spec` (name, default, preparer or None), prepared. Rows
    usually carry every name: one C-level itemgetter then, and Python only for the columns that
    need preparing."""
    take = itemgetter(*(name for name, _default, _fn in spec))
    prepare = [(i, fn) for i, (_name, _default, fn) in enumerate(spec) if fn is not None]

    def values_of(row: dict[str, Any]) -> list[Any]:
        try:
            values = list(take(row)) if len(spec) > 1 else [take(row)]
        except KeyError:  # a name left out takes its field's default
            values = [row.get(name, default) for name, default, _fn in spec]
        for i, fn in prepare:
            values[i] = fn(values[i])
        return values

    return values_of


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
    values = attrgetter(*(n for n, _fn in prepare), "id")  # the id goes last, as it is
    prepared = [(i, fn) for i, (_n, fn) in enumerate(prepare) if fn is not None]
    params: list[Any] = []
    if prepared:
        for obj in rows:
            row = list(values(obj))
            for i, fn in prepared:
                row[i] = fn(row[i])
            params.append(row)
    else:
        params = [values(obj) for obj in rows]
    postgres = conn.vendor == "postgresql"
    mark = "%s" if postgres else _qmark(conn)
    assignments = ", ".join(f"{quote(f.column)} = {mark}" for f in fields)
    # Names come from the model; every value is a parameter.
    sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = {mark}"  # noqa: S608
    # PostgreSQL: psycopg pipelines the statements. (`UPDATE … FROM unnest()` would let the
    # planner hash-join a scan of the whole table.)
    with _cursor(conn) as cursor:
        cursor.executemany(sql, params)
