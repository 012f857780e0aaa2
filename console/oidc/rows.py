"""Model instances from one hand-written JOIN, for the token/userinfo hot paths (console.oidc.fast).

Compiling a `select_related(...)` queryset costs Django more CPU than PostgreSQL spends running it (profiled:
about half of a refresh). These helpers write the column lists once per model and build the instances with
`Model.from_db` after Django's own per-field converters (JSONField), so what comes out is what the ORM gives.
"""
import functools
import json

from django.db import connection
from django.db.models import JSONField


@functools.lru_cache(maxsize=None)
def _plan(model, alias):
    fields = model._meta.concrete_fields
    columns = ", ".join(f'{alias}."{field.column}"' for field in fields)
    converters = []
    for index, field in enumerate(fields):
        # Per-field converters only (e.g. JSONField.from_db_value); the PostgreSQL backend adds none of its own.
        for convert in field.get_db_converters(connection):
            converters.append((index, convert, field.get_col(alias)))
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
    for index, convert, expression in converters:
        values[index] = convert(values[index], expression, connection)
    return model.from_db(connection.alias, names, values)


def fetch_one(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def insert(obj):
    """INSERT `obj` like Model.save(force_insert=True) does — each field's pre_save (auto_now, DOT's token
    checksum) and get_db_prep_save — without compiling a query. Models with save signal receivers go through
    save() so nothing is skipped."""
    from django.db.models.signals import post_save, pre_save

    model = type(obj)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        obj.save(force_insert=True)
        return obj
    table, names, fields = _insert_plan(model)
    values = []
    for field in fields:
        value = field.pre_save(obj, True)
        if isinstance(field, JSONField) and value is not None:
            # The JSON text as a literal (PostgreSQL casts it to jsonb): psycopg's Jsonb adapter costs more
            # per call than the rest of the INSERT.
            values.append(json.dumps(value, cls=field.encoder))
        else:
            values.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(values))}) "
                       f'RETURNING "{model._meta.pk.column}"', values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


@functools.lru_cache(maxsize=None)
def _insert_plan(model):
    fields = [field for field in model._meta.local_concrete_fields
              if not field.primary_key and not getattr(field, "generated", False)]
    return model._meta.db_table, ", ".join(f'"{field.column}"' for field in fields), fields
