"""Logto's search query for list endpoints, as a Django filter.

Logto reads `search` (every searchable field) and `search.<field>` (one field), each matched by `mode` /
`mode.<field>` (`like`, the default: the value is an SQL LIKE pattern, `%` and `_` wildcards, `\\` escapes; or
`exact`), joined by `joint` (`or`, the default, or `and`), case-insensitive unless `isCaseSensitive=true`
(PostgreSQL only: SQLite's LIKE ignores case). `@logto/api` sends a `search_params` object as
`search_params[search.name]=…`, which is read the same. Logto's `similar_to` and `posix` modes are refused: a
regular expression from the caller is work the database cannot bound.
"""
from dataclasses import dataclass
from typing import Callable

from django.db.models import F, Q
from django.db.models.lookups import Contains, IContains, PatternLookup

from management_api.errors import ApiError

LIKE, EXACT = "like", "exact"
REGEX_MODES = ("similar_to", "posix")
MAX_VALUE_LENGTH = 256
_WRAPPER = ("search_params[", "]")


class _Like(Contains):
    """`column LIKE pattern` with the caller's pattern as sent (Django's `contains` would escape it)."""

    def process_rhs(self, qn, connection):
        return super(PatternLookup, self).process_rhs(qn, connection)


class _ILike(IContains):
    def process_rhs(self, qn, connection):
        return super(PatternLookup, self).process_rhs(qn, connection)


def _as_sent(value):
    return value


@dataclass(frozen=True)
class Column:
    """A searchable Logto field: the model field it reads, and how a value in Logto's format becomes one in
    Postern's (e.g. a phone number's "+")."""
    name: str
    to_postern: Callable[[str], str] = _as_sent


def _invalid(message):
    return ApiError(400, "request.invalid_input", message)


def _parameters(query):
    """(key, values) of the query string with `search_params[…]` unwrapped."""
    for key, values in query.lists():
        if key.startswith(_WRAPPER[0]) and key.endswith(_WRAPPER[1]):
            key = key[len(_WRAPPER[0]):-len(_WRAPPER[1])]
        yield key, values


def _field(key, prefix, columns):
    """The field a `search.<field>` / `mode.<field>` key names (None: every field)."""
    path = key.split(".")
    if path[0] != prefix:
        return False
    if len(path) > 2:
        raise _invalid(f"Unsupported nested search field path `{'.'.join(path[1:])}`: only first-level fields.")
    if len(path) == 2 and path[1] not in columns:
        raise _invalid(f"Search field `{path[1]}` is not allowed. Expect one of {', '.join(columns)}.")
    return path[1] if len(path) == 2 else None


def _condition(column, mode, values, case_sensitive):
    values = [column.to_postern(value) for value in values]
    if mode == EXACT:
        if case_sensitive:
            return Q(**{f"{column.name}__in": values})
        condition = Q()
        for value in values:
            condition |= Q(**{f"{column.name}__iexact": value})
        return condition
    lookup = _Like if case_sensitive else _ILike
    return Q(lookup(F(column.name), values[0]))


def search_filter(query, columns):
    """The Q that Logto's search parameters in `query` (a QueryDict) select over `columns` ({Logto field:
    Column}), or None when the query has no search. Raises ApiError 400 `request.invalid_input` as Logto does."""
    modes, matches = {}, {}
    joint = (query.get("joint") or query.get("jointMode") or "or").lower()
    if joint not in ("or", "and"):
        raise _invalid(f"Search joint mode `{joint}` is not valid, expect one of or, and.")
    case_sensitive = (query.get("isCaseSensitive") or "false").lower() in ("true", "1", "yes")
    for key, values in _parameters(query):
        mode_field = _field(key, "mode", columns)
        if mode_field is not False:
            mode = values[-1]
            if mode in REGEX_MODES:
                raise _invalid(f"Search match mode `{mode}` is not supported; use like or exact.")
            if mode not in (LIKE, EXACT):
                raise _invalid(f"Search match mode `{mode}` is not valid, expect one of like, exact.")
            modes[mode_field] = mode
            continue
        search_field = _field(key, "search", columns)
        if search_field is not False:
            matches.setdefault(search_field, []).extend(values)
    if not matches:
        return None
    conditions = []
    for field, values in matches.items():
        mode = modes.get(field) or modes.get(None) or LIKE
        if not all(values):
            raise _invalid("Search value cannot be empty.")
        if mode == LIKE and len(values) > 1:
            raise _invalid("Only one search value is allowed when search mode is not `exact`.")
        if any(len(value) > MAX_VALUE_LENGTH for value in values):
            raise _invalid(f"A search value is at most {MAX_VALUE_LENGTH} characters.")
        targets = [columns[field]] if field else list(columns.values())
        any_target = Q()
        for column in targets:
            any_target |= _condition(column, mode, values, case_sensitive)
        conditions.append(any_target)
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = (combined & condition) if joint == "and" else (combined | condition)
    return combined
