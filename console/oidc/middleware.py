"""A short way through the request cycle for the OIDC API endpoints.

Discovery, JWKS, token, userinfo, revocation and introspection take form or bearer credentials and answer JSON:
they never read the session, the signed-in console user, the language, CSRF tokens or flash messages, serve no
static file and fire no event. So they pass only the layers MIDDLEWARE lists before `OidcApiMiddleware` (the
client address, the security headers, the NUL guard), and then their view is called directly:

- `OidcApiLane` is the WSGI application `make run` serves (console.wsgi): for these paths it is Django's WSGI
  handler without the rest of the stack and without the request signals, whose receivers have nothing to do for
  them but keep the database connections healthy, which it does itself (README "Performance"). Every other path
  goes to Django's handler untouched.
- `OidcApiMiddleware` does the same inside Django's own handler (the test client, `manage.py runserver`): such a
  request skips the layers below it.

Both answer through `ApiRoutes.answer`. A path's resolution is kept in process memory (a path names its tenant, so
there are as many as tenants times six endpoints, bounded): the URL conf does not change while the process runs.
"""
from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import close_old_connections
from django.urls import Resolver404, resolve, set_script_prefix
from django.utils import translation
from django.utils.log import log_response
from django.utils.module_loading import import_string

from console.oidc import urls
from console.unavailable import UNAVAILABLE, unavailable_response


_RESOLVED_KEPT = 4096
_THIS_MIDDLEWARE = f"{__name__}.OidcApiMiddleware"


class ApiRoutes:
    def __init__(self):
        self.api_path = urls.path_regex(urls.API_URL_NAMES)
        self.resolved = {}

    def match(self, path):
        """The API route `path` resolves to, or None (not an API path, or one no route answers)."""
        if not self.api_path.match(path):
            return None
        match = self.resolved.get(path)
        if match is None:
            try:
                match = resolve(path)
            except Resolver404:
                return None
            if len(self.resolved) >= _RESOLVED_KEPT:
                self.resolved.clear()
            self.resolved[path] = match
        return match

    @staticmethod
    def answer(request, match):
        request.resolver_match = match
        # JSON for machines: the default language, never one left on this thread by an earlier request.
        translation.activate(settings.LANGUAGE_CODE)
        try:
            return match.func(request, *match.args, **match.kwargs)
        except UNAVAILABLE as exc:
            return unavailable_response(request, exc, api=True)


class OidcApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.routes = ApiRoutes()

    def __call__(self, request):
        match = self.routes.match(request.path_info)
        if match is None:
            return self.get_response(request)
        return self.routes.answer(request, match)


class OidcApiLane:
    """WSGI, in front of Django's handler `app`."""

    def __init__(self, app):
        self.app = app
        self.routes = ApiRoutes()
        self.layers = self._layers_above()

    def _layers_above(self):
        """The middleware above OidcApiMiddleware, chained as Django's handler chains it, around the view call."""
        above = settings.MIDDLEWARE[:settings.MIDDLEWARE.index(_THIS_MIDDLEWARE)]

        def view(request):
            return self.routes.answer(request, request.postern_api_match)

        handler = convert_exception_to_response(view)
        for path in reversed(above):
            handler = convert_exception_to_response(import_string(path)(handler))
        return handler

    def __call__(self, environ, start_response):
        if not self.routes.api_path.match(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        request = WSGIRequest(environ)
        match = self.routes.match(request.path_info)
        if match is None:
            return self.app(environ, start_response)
        request.postern_api_match = match
        set_script_prefix(get_script_name(environ))
        close_old_connections()
        try:
            response = self.layers(request)
            if response.status_code >= 400:
                log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
            body = b"".join(response) if response.streaming else response.content
        finally:
            request.close()
            close_old_connections()
        start_response(f"{response.status_code} {response.reason_phrase}",
                       [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())])
        return [body]
