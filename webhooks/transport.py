"""One POST to a receiver, and what came of it: requests with connections that check the address they reached
(webhooks.urls_policy) once connected, no redirects followed, no proxy from the environment, the first bytes of
the answer kept."""
import ipaddress
import re
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from webhooks import urls_policy

RESPONSE_HEAD_BYTES = 1024
# Read at most this much of an answer; a longer one costs its connection instead of our time.
RESPONSE_READ_LIMIT = 64 * 1024


class AddressRefused(Exception):
    """The connection reached an address hooks must not reach; nothing was sent."""

    def __init__(self, refusal):
        super().__init__(refusal.message)
        self.refusal = refusal


class _CheckedConnection:
    scheme = "http"

    def _new_conn(self):
        sock = super()._new_conn()
        address = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
        refusal = urls_policy.address_refusal(address, scheme=self.scheme)
        if refusal:
            sock.close()
            raise AddressRefused(refusal)
        return sock


class _CheckedHTTPConnection(_CheckedConnection, HTTPConnection):
    scheme = "http"


class _CheckedHTTPSConnection(_CheckedConnection, HTTPSConnection):
    scheme = "https"


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


_local = threading.local()


def _session():
    # One per thread (a worker's threads each keep their own keep-alive connections).
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False  # no HTTP(S)_PROXY: the address checked must be the receiver's
        session.mount("http://", _CheckedAdapter())
        session.mount("https://", _CheckedAdapter())
        _local.session = session
    return session


@dataclass(frozen=True)
class Outcome:
    """What one POST came to. `status_code` None: no answer (`error_kind` says why)."""

    status_code: int | None
    response_head: str
    latency_ms: int
    error_kind: str = ""  # "", "timeout", "network", "refused" (address policy), "invalid"
    error: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_after_seconds(value, now=None):
    """Retry-After as seconds from now (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


def post(url, body, headers):
    """POST `body` (bytes, sent as they are) with `headers` to `url`; never raises for what the receiver does."""
    started = time.monotonic()

    def elapsed():
        return int((time.monotonic() - started) * 1000)

    timeout = settings.WEBHOOK_TIMEOUT
    try:
        with _session().post(url, data=body, headers=headers, timeout=(timeout, timeout), allow_redirects=False,
                             stream=True) as response:
            head = bytearray()
            for chunk in response.iter_content(8192):
                head += chunk
                if len(head) > RESPONSE_READ_LIMIT:
                    break
            return Outcome(status_code=response.status_code,
                           response_head=bytes(head[:RESPONSE_HEAD_BYTES]).decode("utf-8", "replace"),
                           latency_ms=elapsed(), retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    except AddressRefused as exc:
        return Outcome(None, "", elapsed(), "refused", str(exc))
    except requests.Timeout as exc:
        return Outcome(None, "", elapsed(), "timeout", _describe(exc, f"No answer within {timeout:g} s."))
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError) as exc:
        return Outcome(None, "", elapsed(), "network", _describe(exc, "The connection failed."))
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader, ValueError) as exc:
        return Outcome(None, "", elapsed(), "invalid", _describe(exc, "The request could not be made."))


def _describe(exc, fallback):
    """The root cause's text, short: requests wraps urllib3's MaxRetryError, which wraps the socket's error."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    reason = getattr(cause, "reason", None) or cause
    text = _OBJECT_REPR.sub("", str(reason)).strip(" :()'\",") or fallback
    return text[:300]


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>,?")
