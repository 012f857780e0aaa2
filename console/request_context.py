"""The request being served, for listeners of console.events that describe where a change came from (a webhook's
`ip`, `userAgent`, and for the Management API its method, path and route) without every service taking it."""
from contextvars import ContextVar

_current = ContextVar("postern_request", default=None)


def current_request():
    """The HttpRequest this thread is answering, or None (a Celery task, a management command)."""
    return _current.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
