"""Hypothesis strategies for Management API bodies: arbitrary JSON, and arbitrary values in an endpoint's own keys
(so the values get past the body's shape and reach the services), with the text that once broke servers drawn
often."""
import json

from hypothesis import HealthCheck, settings as hypothesis_settings, strategies as st

FUZZ_SETTINGS = hypothesis_settings(max_examples=40, deadline=None,
                                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ODD_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "é", "😀", "\u202e", "%", "_", "\\", "n" * 300, "c" * 2100,
            "+86 138 0013 8000", "8613800138000", "0086", "a@b", "https://app.example/cb", "com.example.app://cb",
            "javascript:alert(1)", "capacitor://localhost", "all", "read", "Native", "MachineToMachine", "null"]
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(ODD_TEXT))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=-10 ** 30, max_value=10 ** 30),
                   st.floats(), TEXT)
JSON = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def keyed(keys, nested=None):
    """Objects with some of `keys` (each any JSON value, or for `nested` keys an object of their own keys)."""
    values = {key: JSON for key in keys}
    for key, inner in (nested or {}).items():
        values[key] = st.one_of(JSON, keyed(inner), st.fixed_dictionaries({k: st.lists(TEXT, max_size=3)
                                                                           for k in inner}))
    return st.fixed_dictionaries({}, optional=values)


def bodies(keys, nested=None):
    """A request body: raw bytes now and then, any JSON, or an object in the endpoint's keys."""
    return st.one_of(st.binary(max_size=40), JSON.map(json.dumps), keyed(keys, nested).map(json.dumps))


def assert_answered(status, body):
    """No server error, and every refusal in Logto's error shape."""
    assert status < 500, body
    if status >= 400:
        assert isinstance(body, dict) and isinstance(body.get("code"), str), body
