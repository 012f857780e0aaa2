import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings, strategies as st

from console.applications.redirect_uris import (
    redirect_uri_matches, validate_origin, validate_redirect_uri, validate_redirect_uri_list,
)

VALID = [
    ("native", "com.example.app://callback"),
    ("native", "com.example.app:/callback"),
    ("native", "http://127.0.0.1:3000/cb"),
    ("native", "http://[::1]/cb"),
    ("native", "http://localhost:8080/callback"),
    ("native", "https://app.example.com/cb"),
    ("spa", "https://app.example.com/callback"),
    ("spa", "http://localhost:5173/callback"),
    ("traditional", "https://example.com/auth/callback?x=1"),
]
INVALID = [
    ("native", "javascript:alert(1)", "scheme is never allowed"),
    ("spa", "data:text/html,hi", "scheme is never allowed"),
    ("native", "file:///etc/passwd", "scheme is never allowed"),
    ("native", "vbscript:msgbox", "scheme is never allowed"),
    ("native", "com.example.app://callback#frag", "fragment"),
    ("spa", "https://user:pw@example.com/cb", "user name or password"),
    ("spa", "https://*.example.com/cb", "wildcards"),
    ("native", "com.example.app://call back", "spaces"),
    ("spa", "https://example.com/" + "a" * 2050, "longer than 2048"),
    ("spa", "http://example.com/cb", "http is only allowed on loopback"),
    ("traditional", "com.example.app://callback", "must use https"),
    ("native", "myapp://callback", "reverse domain"),
    ("native", "com.example.app://", "add a path"),
    ("m2m", "https://example.com/cb", "machine-to-machine"),
    ("spa", "/relative/path", "absolute URI"),
    ("spa", "http://[::1/cb", "not a valid URI"),
]


@pytest.mark.parametrize("app_type,uri", VALID)
def test_valid_redirect_urisare_accepted(app_type, uri):
    assert validate_redirect_uri(uri, app_type) == uri


@pytest.mark.parametrize("app_type,uri,reason", INVALID)
def test_invalid_redirect_urisname_the_uri_and_the_reason(app_type, uri, reason):
    with pytest.raises(ValidationError) as exc:
        validate_redirect_uri(uri, app_type)
    message = exc.value.messages[0]
    assert reason in message
    assert uri[:40] in message


def test_duplicates_are_rejected():
    with pytest.raises(ValidationError) as exc:
        validate_redirect_uri_list(["com.example.app://cb", "com.example.app://cb"], "native")
    assert "listed twice" in exc.value.messages[0]


def test_native_loopback_matches_any_port_but_custom_schemes_match_exactly():
    assert redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb", "native")
    assert not redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:51234/other", "native")
    assert not redirect_uri_matches("http://localhost:3000/cb", "http://localhost:4000/cb", "spa")
    assert not redirect_uri_matches("com.example.app://callback", "com.example.app://callback/x", "native")


@pytest.mark.parametrize("origin,ok", [
    ("capacitor://localhost", True), ("http://localhost", True), ("https://a.example.com:8443", True),
    ("https://a.example.com/path", False), ("*", False), ("javascript://x", False),
])
def test_origins(origin, ok):
    if ok:
        assert validate_origin(origin) == origin
    else:
        with pytest.raises(ValidationError):
            validate_origin(origin)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["native", "spa", "traditional", "m2m"]))
def test_arbitrary_strings_only_ever_raise_validation_errors(uri, app_type):
    try:
        validate_redirect_uri(uri, app_type)
    except ValidationError:
        pass
    try:
        validate_origin(uri)
    except ValidationError:
        pass
    redirect_uri_matches("http://127.0.0.1/cb", uri, app_type)
