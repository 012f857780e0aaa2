"""The one redirect-URI rule book: the console's editor and the authorization endpoint both use it.

Native apps: a reverse-domain custom scheme (`com.example.app://callback`, RFC 8252 `com.example.app:/callback`),
https, or http on a loopback host (any port). SPA and Traditional apps: https, or http on loopback only.
Machine-to-machine apps never redirect.
"""
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 2048
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
FORBIDDEN_SCHEMES = {"javascript", "data", "file", "vbscript", "about", "blob"}
CUSTOM_SCHEME = re.compile(r"^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$")
ORIGIN_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")

NATIVE, SPA, TRADITIONAL, M2M = "native", "spa", "traditional", "m2m"


def _invalid(uri, reason):
    shown = uri if len(uri) <= 80 else uri[:77] + "…"
    return ValidationError(_("“%(uri)s”: %(reason)s") % {"uri": shown, "reason": reason}, code="invalid_uri")


def _split(uri):
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 — raises ValueError on a malformed port
        return parts
    except ValueError:
        raise _invalid(uri, _("this is not a valid URI.")) from None


def _check_common(uri):
    if not uri:
        raise ValidationError(_("A URI cannot be empty."), code="empty_uri")
    if len(uri) > MAX_LENGTH:
        raise _invalid(uri, _("longer than %(max)d characters.") % {"max": MAX_LENGTH})
    if any(ch.isspace() for ch in uri) or any(ord(ch) < 32 or ord(ch) == 127 for ch in uri):
        raise _invalid(uri, _("must not contain spaces or control characters."))
    if "*" in uri:
        raise _invalid(uri, _("wildcards are not allowed; register each URI exactly."))
    if "#" in uri:
        raise _invalid(uri, _("must not contain a fragment (#…)."))
    parts = _split(uri)
    scheme = parts.scheme.lower()
    if not scheme:
        raise _invalid(uri, _("must be an absolute URI with a scheme, e.g. https://…"))
    if scheme in FORBIDDEN_SCHEMES:
        raise _invalid(uri, _("the “%(scheme)s:” scheme is never allowed.") % {"scheme": scheme})
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _invalid(uri, _("must not contain a user name or password."))
    return parts, scheme


def _is_loopback(parts):
    return (parts.hostname or "").lower() in LOOPBACK_HOSTS


def _check_web(uri, parts, scheme):
    if not parts.hostname:
        raise _invalid(uri, _("must include a host name."))
    if scheme == "https":
        return
    if scheme == "http":
        if _is_loopback(parts):
            return
        raise _invalid(uri, _("http is only allowed on loopback hosts (localhost, 127.0.0.1, [::1]); use https."))
    raise _invalid(uri, _("must use https (or http on a loopback host)."))


def validate_redirect_uri(uri, app_type):
    """Raise ValidationError naming the URI and the reason, or return the URI unchanged."""
    if not isinstance(uri, str):
        raise ValidationError(_("A URI must be text."), code="invalid_uri")
    parts, scheme = _check_common(uri)
    if app_type == M2M:
        raise _invalid(uri, _("machine-to-machine apps do not use redirect URIs."))
    if scheme in ("http", "https"):
        _check_web(uri, parts, scheme)
    elif app_type == NATIVE:
        if not CUSTOM_SCHEME.match(scheme):
            raise _invalid(
                uri, _("a custom scheme must be a reverse domain name, e.g. com.example.app://callback.")
            )
        rest = uri[len(scheme) + 1 :]
        if not rest.strip("/"):
            raise _invalid(uri, _("add a path after the scheme, e.g. com.example.app://callback."))
    else:
        raise _invalid(uri, _("must use https (or http on a loopback host)."))
    return uri


def _validate_all(values, check):
    """Check every value; collect every problem (duplicates included) into one ValidationError."""
    errors, seen = [], set()
    for value in values:
        try:
            check(value)
        except ValidationError as exc:
            errors.extend(exc.error_list)
            continue
        if value in seen:
            errors.append(_invalid(value, _("listed twice.")))
        seen.add(value)
    if errors:
        raise ValidationError(errors)
    return list(values)


def validate_redirect_uri_list(uris, app_type):
    return _validate_all(uris, lambda uri: validate_redirect_uri(uri, app_type))


def validate_origin(origin):
    if not isinstance(origin, str) or not origin:
        raise ValidationError(_("An origin cannot be empty."), code="invalid_origin")
    if (len(origin) > 255 or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in origin)
            or "*" in origin):
        raise _invalid(origin[:255], _("an origin is scheme://host[:port], without spaces or wildcards."))
    parts = _split(origin)
    scheme = parts.scheme.lower()
    if (
        not ORIGIN_SCHEME.match(scheme)
        or scheme in FORBIDDEN_SCHEMES
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise _invalid(origin, _("an origin is scheme://host[:port] with nothing after it."))
    return origin


def validate_origin_list(origins):
    return _validate_all(origins, validate_origin)


def redirect_uri_matches(registered, requested, app_type):
    """Exact match; for native apps an http loopback URI matches on any port (RFC 8252 §7.3)."""
    if requested == registered:
        return True
    if app_type != NATIVE:
        return False
    try:
        want, have = urlsplit(registered), urlsplit(requested)
        have.port  # noqa: B018
    except ValueError:
        return False
    return (
        want.scheme == have.scheme == "http"
        and _is_loopback(want)
        and (want.hostname, want.path, want.query) == (have.hostname, have.path, have.query)
        and have.username is None
        and not have.fragment
    )
