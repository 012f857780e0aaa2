"""A few seconds of process memory in front of Django for the discovery document.

Every relying party fetches `/.well-known/openid-configuration`, often on every start or page load, and the answer
is a pure function of the issuer: replaying a stored answer costs a small part of Django's whole request cycle
for it (README "Performance"). This WSGI wrapper stores Django's complete
200 answer — status, headers (security headers, CORS for that Origin), body — for `SECONDS`, keyed by everything
the answer can depend on (path, query, Host, Origin, scheme, X-Forwarded-Proto), so a replay is byte for byte
what Django said for that exact request. A deleted tenant or a changed CORS origin list is seen within `SECONDS`
(the tenant lookup in console.oidc.http has the same bound). Anything else goes to Django untouched.

The JWKS is deliberately not here: a new signing key must be published everywhere before tokens signed with it
are verified, and the shared cache behind it is dropped at the moment of rotation.
"""
import time

from console.oidc import urls
from console.proxies import peer_is_trusted

SECONDS = 5
MAX_ENTRIES = 4096


class DocumentCache:
    def __init__(self, app):
        self.app = app
        self.cacheable = urls.path_regex(urls.CACHEABLE_URL_NAMES)
        self._entries = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not self.cacheable.match(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        # X-Forwarded-Proto counts only from a trusted proxy (console.proxies), so whether the peer is one is part
        # of the key: an untrusted client's header must not select the answer a proxied https request gets.
        key = (environ.get("PATH_INFO"), environ.get("QUERY_STRING"), environ.get("HTTP_HOST"),
               environ.get("HTTP_ORIGIN"), environ.get("wsgi.url_scheme"), environ.get("HTTP_X_FORWARDED_PROTO"),
               peer_is_trusted(environ.get("REMOTE_ADDR", "")))
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            _expires, status, headers, body = hit
            start_response(status, list(headers))
            return [body]
        return self._fill(key, now, environ, start_response)

    def _fill(self, key, now, environ, start_response):
        answer = {}

        def capture(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = answer.get("headers", [])
        if answer.get("status", "").startswith("200 ") and not any(n.lower() == "set-cookie" for n, _ in headers):
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now + SECONDS, answer["status"], tuple(headers), body)
        return [body]
