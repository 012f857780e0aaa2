"""A short way through the middleware stack for the OIDC API endpoints.

Discovery, JWKS, token, userinfo, revocation and introspection take form or bearer credentials and answer JSON:
they never read the session, the signed-in console user, the language, CSRF tokens or flash messages. Placed
right after SecurityMiddleware/WhiteNoise, this resolves those paths and calls the view directly, so such a
request skips the session, locale, common, CSRF, auth, messages and clickjacking layers (about a third of a
discovery request's CPU, profiled). Every other path, and any API path that does not resolve, goes on as usual.
"""
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation

from console.oidc import urls
from console.unavailable import UNAVAILABLE, unavailable_response


class OidcApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.api_path = urls.path_regex(urls.API_URL_NAMES)

    def __call__(self, request):
        if self.api_path.match(request.path_info):
            try:
                match = resolve(request.path_info)
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
