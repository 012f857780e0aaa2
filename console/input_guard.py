"""Refuse NUL characters in a request's path, query, form, cookies and Basic credentials before any view runs.

PostgreSQL text cannot hold NUL (psycopg raises DataError on the query), and no identifier, code, token, filter
or form field here ever needs one: checking once, first in the stack, means no lookup anywhere can meet one.
"""
import base64
import binascii
import re
from urllib.parse import unquote_plus

from django.http import HttpResponseBadRequest, JsonResponse

NUL = "\x00"
MESSAGE = "The request contains a NUL character, which is never valid here."
_OIDC_PATH = re.compile(r"^/t/[^/]*/oidc/")
_MANAGEMENT_API_PATH = re.compile(r"^/t/[^/]*/api/")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def request_has_nul(request):
    if NUL in request.path_info:
        return True
    # The raw query is checked without parsing it: a NUL reaches request.GET only as %00 (or a raw byte).
    query = request.META.get("QUERY_STRING", "")
    if NUL in query or "%00" in query:
        return True
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        request.body  # read and kept first: a view that parses the raw body (the Management API's) still can
        if any(NUL in key or any(NUL in value for value in values) for key, values in request.POST.lists()):
            return True
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    return _basic_credentials_have_nul(request.META.get("HTTP_AUTHORIZATION", ""))


def _basic_credentials_have_nul(header):
    if NUL in header:
        return True
    scheme, _, encoded = header.partition(" ")
    if scheme != "Basic":
        return False
    try:
        decoded = base64.b64decode(encoded).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False  # undecodable credentials are refused by the client authentication itself
    # Client credentials are form-encoded inside Basic (RFC 6749 §2.3.1), so %00 is a NUL too.
    return NUL in unquote_plus(decoded)


class RefuseNulMiddleware:
    """OIDC endpoints answer an OAuth error (RFC 6749 §5.2), the Management API Logto's error shape; every other
    page a plain 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_has_nul(request):
            if _OIDC_PATH.match(request.path_info):
                response = JsonResponse({"error": "invalid_request", "error_description": MESSAGE}, status=400)
                response["Cache-Control"] = "no-store"
                return response
            if _MANAGEMENT_API_PATH.match(request.path_info):
                response = JsonResponse({"code": "guard.invalid_input", "message": MESSAGE}, status=400)
                response["Cache-Control"] = "no-store"
                return response
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
