"""Errors as Logto's Management API answers them: JSON `{"code", "message", "data"}` with Logto's status codes.

Views raise `ApiError`; a console service's ValidationError, an unknown id, a body that fails validation, a
missing or bad token and a spent rate are all turned into that shape here, in one place.
"""
import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError as NinjaValidationError

from console.ratelimit import RateLimited
from console.unavailable import RETRY_AFTER_SECONDS, UNAVAILABLE

logger = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status, code, message, data=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.data, self.headers = status, code, message, data, headers or {}


def not_found(entity="entity"):
    return ApiError(404, "entity.not_exists", f"The {entity} does not exist.")


def not_found_with_id(entity, entity_id):
    """Logto's answer for an unknown id in the path (its `findById`): 404 `entity.not_exists_with_id`."""
    return ApiError(404, "entity.not_exists_with_id", f"The {entity} with ID `{entity_id}` does not exist.")


def error_response(status, code, message, data=None, headers=None):
    body = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    response = JsonResponse(body, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    response["Cache-Control"] = "no-store"
    return response


def service_error(exc, *, code="guard.invalid_input", fields=None):
    """A console service's ValidationError as a 400: its first message, and every message by field (renamed to
    the API's field names through `fields`)."""
    if hasattr(exc, "error_dict"):
        by_field = {(fields or {}).get(name, name): [str(m) for m in messages]
                    for name, messages in exc.message_dict.items()}
        first = next(iter(by_field.values()))[0]
        data = {"fields": by_field}
    else:
        first, data = str(exc.messages[0]), None
    error_code = getattr(exc, "code", None) or code
    return ApiError(400, error_code if "." in error_code else code, first, data)


def _body_errors(exc):
    issues = [{"path": ".".join(str(part) for part in error.get("loc", ()) if part != "body"),
               "message": error.get("msg", "")} for error in exc.errors]
    message = "; ".join(f"{i['path']}: {i['message']}" if i["path"] else i["message"] for i in issues)
    return error_response(400, "guard.invalid_input", message or "The request is not valid.", {"issues": issues})


def install(api):
    @api.exception_handler(ApiError)
    def _api_error(request, exc):
        return error_response(exc.status, exc.code, exc.message, exc.data, exc.headers)

    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc):
        return _body_errors(exc)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        if not request.headers.get("Authorization"):
            return error_response(401, "auth.authorization_header_missing", "Authorization header is missing.",
                                  headers={"WWW-Authenticate": "Bearer"})
        return error_response(401, "auth.unauthorized", "The access token is invalid or expired.",
                              headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @api.exception_handler(DjangoValidationError)
    def _service(request, exc):
        error = service_error(exc)
        return error_response(error.status, error.code, error.message, error.data)

    @api.exception_handler(Http404)
    def _missing(request, exc):
        return error_response(404, "entity.not_exists", "The entity does not exist.")

    @api.exception_handler(HttpError)
    def _http(request, exc):
        # django-ninja's own refusals: a body that is not JSON (400) is invalid input, as Logto names it.
        code = "guard.invalid_input" if exc.status_code == 400 else "request.invalid"
        return error_response(exc.status_code, code, str(exc))

    @api.exception_handler(RateLimited)
    def _rate_limited(request, exc):
        return error_response(429, "request.rate_limited", exc.message,
                              headers={"Retry-After": str(exc.retry_after)})

    for unavailable in UNAVAILABLE:
        @api.exception_handler(unavailable)
        def _unavailable(request, exc):
            logger.error("%s %s answered 503: %s: %s", request.method, request.path, type(exc).__name__, exc)
            return error_response(503, "request.temporarily_unavailable",
                                  "The service is briefly unavailable; try again.",
                                  headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
