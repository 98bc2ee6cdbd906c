"""Hot reads as server-side prepared statements on PostgreSQL.

Django's psycopg cursors bind parameters on the client, so every status poll for a different
username is a new statement text that PostgreSQL plans afresh: 0.9 ms of planning for a
0.3 ms execution (measured on the status read). A prepared statement is planned once per
pooled connection. The query still goes through Django's connection (its transaction, error
wrapping and query log), so tests counting queries and `connection.queries` see it.
"""

from __future__ import annotations

import functools
import re
import time

import psycopg
from django.db import connection

# psycopg parses a statement's parameter markers once and keeps the result only for statements of
# at most this many characters (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH); a longer one is
# parsed on every execution (measured: 0.24 ms of a request's 1.2 for the request statement).
PSYCOPG_CACHED_STATEMENT_LENGTH = 4096


def fetch_one_prepared(sql: str, params: dict | list) -> tuple | None:
    """The first row of `sql` (parameters as %(name)s or %s), or None; callers know its columns.

    Prepared unless DB_PREPARED_STATEMENTS is off (then psycopg's prepare_threshold is None).
    """
    # What Django's own cursors do first: a connection found broken (the database restarted)
    # is replaced instead of failing this query.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    sql = compact_sql(sql)
    started = time.monotonic()
    with connection.wrap_database_errors:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            row = cursor.fetchone()
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {params!r}", "time": f"{time.monotonic() - started:.3f}"})
    return row



_COMMENT = re.compile(r"--[^\n]*")


@functools.lru_cache(maxsize=256)
def compact_sql(sql: str) -> str:
    """`sql` without its comments and runs of white space: the same statement in fewer
    characters, so psycopg keeps its parse (PSYCOPG_CACHED_STATEMENT_LENGTH). Our statements
    hold no string literal in which white space or "--" would matter."""
    return " ".join(_COMMENT.sub(" ", sql).split())


def instance_from_row(model, names: list[str], values) -> object:
    """A model instance from a raw row, with each field's conversion from the database applied
    (JSON text to Python, as the ORM would: Model.from_db alone does not)."""
    meta = model._meta
    converted = []
    for name, value in zip(names, values):
        field = meta.get_field(name) if not name.endswith("_id") else _field_by_attname(meta, name)
        if value is not None and hasattr(field, "from_db_value"):
            value = field.from_db_value(value, None, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


def _field_by_attname(meta, attname: str):
    for field in meta.concrete_fields:
        if field.attname == attname:
            return field
    return meta.get_field(attname)
