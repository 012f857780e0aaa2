"""Arbitrary JSON bodies for the Management API's write endpoints, and what every answer to one must be.

Each body is either any JSON value or a body that works with some fields replaced by any JSON value or removed,
so the values reach the checks behind the schema; NUL, lone surrogates, deep nesting and huge numbers come often.
"""
from hypothesis import HealthCheck, settings as hypothesis_settings, strategies as st

FUZZ_SETTINGS = hypothesis_settings(max_examples=30, deadline=None,
                                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ODD_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "😀", "\u202e", "é" * 300, "+86 138 0013 8000", "13800138000",
            "000000", "https://example.com", "javascript:alert(1)", "#5d34f2", "zh-CN", "Generic", "phone",
            "99999999999999999999", "-1", "null", "[]", "{}", "../"]
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(ODD_TEXT))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
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


def _changed(base, keys):
    """`base` with some of its keys (or any keys) set to any JSON value, and some removed."""
    names = st.one_of(st.sampled_from(sorted(keys)), TEXT)
    return st.tuples(st.dictionaries(names, JSON, max_size=3), st.lists(st.sampled_from(sorted(base)), max_size=2)) \
        .map(lambda change: {k: v for k, v in {**base, **change[0]}.items() if k in change[0] or k not in change[1]})


def bodies(base, *, nested=None):
    """Any JSON, or `base` changed; `nested` ({key: sub-body}) also changes one level down, e.g. config."""
    choices = [JSON, DEEP, RAW, _changed(base, set(base))]
    for key, sub_body in (nested or {}).items():
        choices.append(_changed(sub_body, set(sub_body)).map(lambda sub, key=key: {**base, key: sub}))
    return st.one_of(choices)


def assert_answered(status, body):
    """No 5xx, and every refusal is Logto's JSON error with a code."""
    assert status < 500, body
    if status >= 400:
        assert isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"], body
