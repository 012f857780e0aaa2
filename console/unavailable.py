"""What a page that needs Redis answers while Redis is down or hung: 503 "try again", never a 500.

Views that know better answer first (the hosted sign-in pages render their own "try again" page); this is the net
under every other view, the console's sign-in and its rate limits among them.
"""
import logging

from django.shortcuts import render
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (RedisError, OperationalError)):
            return None
        logger.warning("%s %s answered 503: Redis unavailable (%s)", request.method, request.path, exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
