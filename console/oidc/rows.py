"""Model instances from one hand-written JOIN, for the token/userinfo hot paths (console.oidc.fast).

Compiling a `select_related(...)` queryset costs Django more CPU than PostgreSQL spends running it (profiled:
about half of a refresh). These helpers write the column lists once per model and build the instances with
`Model.from_db` after Django's own per-field converters (JSONField), so what comes out is what the ORM gives.
"""
import functools
import json

import psycopg

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import JSONField


@functools.lru_cache(maxsize=None)
def _plan(model, alias):
    fields = model._meta.concrete_fields
    columns = ", ".join(f'{alias}."{field.column}"' for field in fields)
    converters = []
    for index, field in enumerate(fields):
        # What the ORM's compiler applies, in its order: the backend's converters (SQLite's datetimes; PostgreSQL
        # has none), then the field's own (JSONField.from_db_value).
        column = field.get_col(alias)
        for convert in [*connection.ops.get_db_converters(column), *field.get_db_converters(connection)]:
            converters.append((index, convert, column))
    return columns, [field.attname for field in fields], converters


def columns(model, alias):
    return _plan(model, alias)[0]


def width(model):
    return len(model._meta.concrete_fields)


def instance(model, alias, row, start):
    """The `model` instance from row[start:start + width(model)], or None when its primary key is NULL."""
    _columns, names, converters = _plan(model, alias)
    values = list(row[start:start + len(names)])
    if values[names.index(model._meta.pk.attname)] is None:
        return None
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: every attribute of the proxy costs a lookup
    for index, convert, expression in converters:
        values[index] = convert(values[index], expression, db)
    return model.from_db(db.alias, names, values)


def fetch_one(sql, params):
    """The first row of `sql`. On PostgreSQL as a prepared statement (through a server-binding psycopg cursor;
    Django's own cursors bind on the client and never prepare): planning the hot paths' joins and CTE chains cost
    PostgreSQL more than running them — a userinfo lookup took 1.05 ms unprepared, 0.39 ms prepared. psycopg
    keeps the last 100 per connection. (A transaction-mode PgBouncer in front would need prepared-statement
    support, PgBouncer ≥ 1.21.)"""
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            with psycopg.Cursor(cursor.connection) as server_binding:
                server_binding.execute(sql, params, prepare=True)
                return server_binding.fetchone()
        cursor.execute(sql, params)
        return cursor.fetchone()


def insert_step(name, obj, source, links=None):
    """One data-modifying CTE of a chain: `name AS (INSERT INTO <table> (...) SELECT <obj's values> FROM source
    RETURNING id)`, returning (sql, params). `links` maps a foreign-key attname to the CTE whose new id it takes
    (each CTE yields at most one row). Nothing is inserted when `source` yields no row, so a chain led by a
    conditional DELETE/UPDATE writes all or nothing in one statement, one round trip."""
    links = links or {}
    db = connections[DEFAULT_DB_ALIAS]
    table, names, fields = _insert_plan(type(obj))
    values, params = [], []
    for field, placeholder in fields:
        value = field.pre_save(obj, True)
        if field.attname in links:
            values.append(f"{links[field.attname]}.id")
            continue
        if isinstance(field, JSONField) and value is not None:
            value = json.dumps(value, cls=field.encoder)
        else:
            value = field.get_db_prep_save(value, db)
        values.append(placeholder)
        params.append(value)
    sources = ", ".join(dict.fromkeys([source, *links.values()]))
    sql = (f'{name} AS (INSERT INTO {table} ({names}) SELECT {", ".join(values)} FROM {sources} '
           f'RETURNING "{type(obj)._meta.pk.column}" AS id)')
    return sql, params


@functools.lru_cache(maxsize=None)
def _insert_plan(model):
    fields = [field for field in model._meta.local_concrete_fields
              if not field.primary_key and not getattr(field, "generated", False)]
    # Typed placeholders: INSERT ... SELECT does not infer parameter types from the target columns.
    placeholders = [f"%s::{field.cast_db_type(connection)}" for field in fields]
    return (model._meta.db_table, ", ".join(f'"{field.column}"' for field in fields),
            list(zip(fields, placeholders)))
