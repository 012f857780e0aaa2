"""Hot reads and writes whose SQL is built once per process instead of on every call.

Django turns a queryset into SQL each time it is evaluated. For the token endpoint's reads (a code's grant or a
refresh token, each joined with its user and app) that compilation costs several times the database's own work
(README "Performance"). `CompiledQuery` compiles the queryset once per database alias, with placeholders where the
caller's values go, then runs that SQL with each call's values and builds the same model instances (related rows
from select_related and annotations included) the way Django's ModelIterable does. The queryset is still written
with the ORM, once; only its compilation is kept. `WriteBatch` does the same for the token endpoint's writes.
"""
import threading

import psycopg
from django.db import DEFAULT_DB_ALIAS, DataError, connections, transaction
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.query import get_related_populators
from django.db.models.query_utils import DeferredAttribute


def _cursor(connection):
    """A cursor for the statements built here. On PostgreSQL one binding its values on the server, each statement
    prepared once per connection (psycopg keeps the last hundred; console.pg lets it prepare): Django's own cursor
    quotes every value into the text on the client and PostgreSQL plans the statement again each time. (A PgBouncer
    in transaction mode in front needs its prepared-statement support, 1.21 or later.) Elsewhere Django's."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()  # as Django's own cursor() does first (console.pg)
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _execute(connection, cursor, sql, params):
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            if connection.queries_logged:
                connection.queries_log.append({"sql": sql, "time": "0.000"})
            cursor.execute(sql, params, prepare=True)
        else:
            cursor.execute(sql, params)


class _Placeholder(str):
    """A value the queryset is built with, to be found again among the compiled parameters."""


class _Compiled:
    def __init__(self, queryset, placeholders, db):
        compiler = queryset.query.get_compiler(using=db)
        self.sql, params = compiler.as_sql()  # also fills compiler.select, klass_info and annotation_col_map
        self.slots = [self._slot(param, placeholders) for param in params]
        missing = set(range(len(placeholders))) - {slot for slot, _ in self.slots if slot is not None}
        if missing:
            raise ValueError("the queryset did not use every value it was built with as a query parameter")
        self.compiler, self.db = compiler, db
        self.converters = compiler.get_converters([s[0] for s in compiler.select[:compiler.col_count]])
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.init_list = [column[0].target.attname for column in compiler.select[self.start:self.end]]
        self.build = _builder(self.model, self.init_list, db)
        self.populators = [_Related(populator) for populator in
                           get_related_populators(klass_info, compiler.select, db)]
        self.annotations = dict(compiler.annotation_col_map or {})

    @staticmethod
    def _slot(param, placeholders):
        for index, placeholder in enumerate(placeholders):
            if param is placeholder:
                return index, None
        return None, param

    def first(self, values):
        params = [values[slot] if slot is not None else constant for slot, constant in self.slots]
        connection = connections[self.db]
        with _cursor(connection) as cursor:
            _execute(connection, cursor, self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(self.compiler.apply_converters([row], self.converters))
        obj = self.build(row[self.start:self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, position in self.annotations.items():
            setattr(obj, name, row[position])
        return obj


def _builder(model, attnames, db):
    """A function making the model instance of one row's values (in `attnames` order), loaded from `db`.

    Model.from_db calls Model.__init__, which walks every field, defers the missing ones and sends pre_init and
    post_init: for a joined token row, a large part of its reading (README "Performance"). When the model has
    nothing that could notice (no such receivers, its own `__init__` and `from_db`, plain field attributes; looked at
    when the query is first compiled, after the apps have connected their receivers), the instance is made as
    unpickling makes one: the values into its `__dict__`, a column not read staying deferred and loaded on first
    access as usual. Otherwise Django's way.
    """
    plain = (model.__init__ is Model.__init__ and model.from_db.__func__ is Model.from_db.__func__
             and not signals.pre_init.has_listeners(model) and not signals.post_init.has_listeners(model)
             and all(isinstance(getattr(model, name, None), DeferredAttribute)
                     for name in attnames))
    if not plain:
        return lambda values: model.from_db(db, attnames, values)
    names = tuple(attnames)
    new = object.__new__

    def build(values):
        obj = new(model)
        obj.__dict__.update(zip(names, values))
        state = obj._state = ModelState()
        state.adding, state.db = False, db
        return obj

    return build


class _Related:
    """Django's RelatedPopulator (a select_related row part onto its model instance), building with `_builder`."""

    def __init__(self, populator):
        self.populator = populator
        self.build = _builder(populator.model_cls, populator.init_list, populator.db)
        self.related = [_Related(inner) for inner in populator.related_populators]

    def populate(self, row, from_obj):
        populator = self.populator
        values = (populator.reorder_for_init(row) if populator.reorder_for_init
                  else row[populator.cols_start:populator.cols_end])
        obj = None
        if values[populator.pk_idx] is not None:
            obj = self.build(values)
            for related in self.related:
                related.populate(row, obj)
        populator.local_setter(from_obj, obj)
        if obj is not None:
            populator.remote_setter(obj, from_obj)


class CompiledQuery:
    """`CompiledQuery(lambda code: Grant.objects.filter(code=code).select_related("user"))`, then
    `.first(code)`: the first row as a model instance, or None.

    The builder is called once, with placeholders: each value must reach the SQL as a parameter as it was given
    (a lookup on a text column), not be transformed in Python first (hash it before, and pass the checksum).
    """

    def __init__(self, build):
        self._build = build
        self._compiled = {}
        self._lock = threading.Lock()

    def _for(self, db, arity):
        compiled = self._compiled.get(db)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(db)
                if compiled is None:
                    placeholders = [_Placeholder(f"\x00compiled-query-value-{index}\x00") for index in range(arity)]
                    queryset = self._build(*placeholders)
                    if not queryset.query.is_sliced:
                        queryset = queryset[:1]
                    compiled = self._compiled[db] = _Compiled(queryset, placeholders, db)
        return compiled

    def first(self, *values, using=DEFAULT_DB_ALIAS):
        return self._for(using, len(values)).first(values)


# Writes on the same hot paths: the statement text built once per model (and set of columns), the values prepared
# per call as Model.save and QuerySet.update prepare them (pre_save, get_db_prep_save). No signals are sent: the
# token tables have no receivers.

_INSERTS = {}
_UPDATES = {}


def _insert_plan(model, links, db):
    key = (model, links, db)
    plan = _INSERTS.get(key)
    if plan is None:
        quote = connections[db].ops.quote_name
        fields = [field for field in model._meta.local_concrete_fields if not field.primary_key]
        values, linked = [], dict(links)
        for field in fields:
            if field.attname in linked:
                target, column = linked[field.attname]
                values.append(f"(SELECT {quote(target._meta.pk.column)} FROM {quote(target._meta.db_table)} "
                              f"WHERE {quote(target._meta.get_field(column).column)} = %s)")
            else:
                values.append("%s")
        sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
               f"VALUES ({', '.join(values)})")
        plan = _INSERTS[key] = (sql, fields)
    return plan


def _update_plan(model, names, unless_set, claim, db):
    key = (model, names, unless_set, claim, db)
    plan = _UPDATES.get(key)
    if plan is None:
        connection = connections[db]
        quote = connection.ops.quote_name
        fields = [model._meta.get_field(name) for name in names]
        conditions = [f"{quote(model._meta.pk.column)} = %s"]
        conditions += [f"{quote(model._meta.get_field(name).column)} IS NULL" for name in unless_set]
        sql = (f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
               f"WHERE {' AND '.join(conditions)}")
        if claim and connection.vendor == "postgresql":
            # A claim that changed no row divides by zero: the error ends the pipeline's implicit transaction, so
            # nothing of the batch is kept, without a BEGIN and COMMIT of its own.
            sql = f"WITH claimed AS ({sql} RETURNING 1) SELECT 1 / (SELECT count(*) FROM claimed)"
        plan = _UPDATES[key] = (sql, fields)
    return plan


class ClaimLost(Exception):
    """A claim of the batch changed no row (a concurrent request took it first): nothing of the batch was kept."""


class WriteBatch:
    """Writes run together: on PostgreSQL sent at once (psycopg's pipeline mode: one wait for all their answers
    instead of one each), elsewhere one after another. A statement the database refuses raises its error
    (IntegrityError for a unique key), and a claim that changed no row raises ClaimLost."""

    def __init__(self, using=DEFAULT_DB_ALIAS):
        self.using, self.statements = using, []

    def insert(self, obj, links=None):
        """INSERT the new model instance `obj` as Model.save would. `links`: {attname: (model, unique field name,
        value)}, a foreign key given as the row of that model holding that value (one written earlier in the
        batch), since the batch hands out no new primary keys."""
        links = links or {}
        plan_links = tuple(sorted((name, (model, field)) for name, (model, field, _value) in links.items()))
        sql, fields = _insert_plan(type(obj), plan_links, self.using)
        connection = connections[self.using]
        params = [links[field.attname][2] if field.attname in links
                  else field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        self.statements.append((sql, params, False))

    def update(self, model, pk, values, *, unless_set=(), claim=False):
        """UPDATE the row `pk` of `model` with `values` (attname → value), only while the columns `unless_set` are
        NULL. A `claim` must change its row, or the batch is not kept."""
        sql, fields = _update_plan(model, tuple(values), tuple(unless_set), claim, self.using)
        connection = connections[self.using]
        self.statements.append((sql, [field.get_db_prep_save(values[field.attname], connection)
                                      for field in fields] + [pk], claim))

    def run(self):
        """Run the batch in the caller's transaction (which a ClaimLost or a refusal leaves to be rolled back)."""
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            with _cursor(connection) as cursor:
                for sql, params, claim in self.statements:
                    _execute(connection, cursor, sql, params)
                    if claim and not cursor.rowcount:
                        raise ClaimLost
            return
        cursors = [_cursor(connection) for _ in self.statements]
        try:
            with connection.wrap_database_errors, connection.connection.pipeline():
                for cursor, (sql, params, _claim) in zip(cursors, self.statements):
                    _execute(connection, cursor, sql, params)
        except DataError as exc:
            if isinstance(exc.__cause__, psycopg.errors.DivisionByZero):
                raise ClaimLost from None
            raise
        finally:
            for cursor in cursors:
                cursor.close()

    def run_whole(self):
        """Run the batch as a transaction of its own, kept whole or not at all. On PostgreSQL outside a
        transaction, one pipeline ending in one sync is one implicit transaction, so the batch costs one round trip
        and no BEGIN or COMMIT; otherwise it runs inside transaction.atomic."""
        connection = connections[self.using]
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.run()
            return
        with transaction.atomic(using=self.using):
            self.run()
