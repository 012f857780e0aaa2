"""A short way through the middleware stack for the OIDC API endpoints.

Discovery, JWKS, token, userinfo, revocation and introspection take form or bearer credentials and answer JSON:
they never read the session, the signed-in console user, the language, CSRF tokens or flash messages, serve no
static file and fire no event. Placed right after the proxy, security and NUL layers, this resolves those paths
and calls the view directly, so such a request skips everything below (README "Performance"). Every other path,
and any API path that does not resolve, goes on as usual.

A path's resolution is kept in process memory (a path names its tenant, so there are as many as tenants times six
endpoints, bounded): the URL conf does not change while the process runs.
"""
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation

from console.oidc import urls
from console.unavailable import UNAVAILABLE, unavailable_response


_RESOLVED_KEPT = 4096


class OidcApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.api_path = urls.path_regex(urls.API_URL_NAMES)
        self.resolved = {}

    def _resolve(self, path):
        match = self.resolved.get(path)
        if match is None:
            match = resolve(path)
            if len(self.resolved) >= _RESOLVED_KEPT:
                self.resolved.clear()
            self.resolved[path] = match
        return match

    def __call__(self, request):
        if self.api_path.match(request.path_info):
            try:
                match = self._resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            request.resolver_match = match
            # JSON for machines: the default language, never one left on this thread by an earlier request.
            translation.activate(settings.LANGUAGE_CODE)
            try:
                return match.func(request, *match.args, **match.kwargs)
            except UNAVAILABLE as exc:
                return unavailable_response(request, exc, api=True)
        return self.get_response(request)
