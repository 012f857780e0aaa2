"""Hypothesis strategies for Management API bodies, and what every answer to one must be.

A body is raw bytes now and then, any JSON, deeply nested JSON, text that is not JSON, or a body that works with
some fields replaced by any JSON value or removed (so the values get past the body's shape and reach the
services); the text that once broke servers (NUL, lone surrogates, huge numbers) is drawn often.
"""
import json

from hypothesis import HealthCheck, settings as hypothesis_settings, strategies as st

FUZZ_SETTINGS = hypothesis_settings(max_examples=30, deadline=None,
                                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ODD_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "é", "é" * 300, "😀", "\u202e", "%", "_", "\\", "../", "n" * 300,
            "c" * 2100, "+86 138 0013 8000", "8613800138000", "13800138000", "0086", "000000", "a@b",
            "https://app.example/cb", "com.example.app://cb", "javascript:alert(1)", "capacitor://localhost",
            "#5d34f2", "zh-CN", "Generic", "phone", "all", "read", "Native", "MachineToMachine",
            "99999999999999999999", "-1", "null", "[]", "{}"]
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(ODD_TEXT))
URL_TEXT = TEXT.filter(lambda text: "\ud800" not in text)  # a URL cannot carry half a surrogate pair
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
                   st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def _nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


DEEP = st.integers(min_value=5, max_value=400).map(lambda depth: {"config": {"templates": _nested(depth)}})
# Sent as text: deeper than the parser takes, and not JSON at all.
RAW = st.sampled_from(['{"config": ' + "[" * 5000 + "]" * 5000 + "}", "{not json", "", "[]", '"text"', "1e999"])


def _keyed(keys, nested=None):
    """Objects with some of `keys` (each any JSON value, or for `nested` keys an object of their own keys)."""
    values = {key: JSON for key in keys}
    for key, inner in (nested or {}).items():
        values[key] = st.one_of(JSON, _keyed(inner), st.fixed_dictionaries({k: st.lists(TEXT, max_size=3)
                                                                            for k in inner}))
    return st.fixed_dictionaries({}, optional=values)


def keyed_bodies(keys, nested=None):
    """A request body as sent: raw bytes now and then, any JSON, or an object in the endpoint's `keys`."""
    return st.one_of(st.binary(max_size=40), JSON.map(json.dumps), _keyed(keys, nested).map(json.dumps))


def _changed(base, keys):
    """`base` with some of its keys (or any keys) set to any JSON value, and some removed."""
    names = st.one_of(st.sampled_from(sorted(keys)), TEXT)
    return st.tuples(st.dictionaries(names, JSON, max_size=3), st.lists(st.sampled_from(sorted(base)), max_size=2)) \
        .map(lambda change: {k: v for k, v in {**base, **change[0]}.items() if k in change[0] or k not in change[1]})


def changed_bodies(base, *, nested=None):
    """Any JSON, deep JSON, raw text, or the working body `base` changed; `nested` ({key: sub-body}) also changes
    one level down, e.g. config."""
    choices = [JSON, DEEP, RAW, _changed(base, set(base))]
    for key, sub_body in (nested or {}).items():
        choices.append(_changed(sub_body, set(sub_body)).map(lambda sub, key=key: {**base, key: sub}))
    return st.one_of(choices)


def assert_answered(status, body):
    """No server error, and every refusal in Logto's error shape with a code."""
    assert status < 500, body
    if status >= 400:
        assert isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"], body
