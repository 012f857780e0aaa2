"""What a request answers while Redis or the database is down or hung: 503 "try again" (with Retry-After), never
a 500.

Views that know better answer first (the hosted sign-in pages render their own "try again" page); this is the net
under every other view — the console's sign-in and its rate limits among them — and under the OIDC API endpoints,
which answer OAuth's JSON error `temporarily_unavailable`.
"""
import logging

from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (RedisError, BrokerOperationalError, DatabaseOperationalError, DatabaseInterfaceError)


def unavailable_response(request, exception, *, api=False):
    logger.error("%s %s answered 503: %s: %s", request.method, request.path, type(exception).__name__, exception)
    if api:
        response = JsonResponse({"error": "temporarily_unavailable",
                                 "error_description": "The service is briefly unavailable; try again."}, status=503)
    else:
        # Without the request: the context processors would read the user, which may need the very database
        # that is down.
        response = HttpResponse(render_to_string("503.html", {"LANGUAGE_CODE": get_language()}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return unavailable_response(request, exception)
        return None
