"""Answers under `<endpoint>/api/` are JSON in Logto's error shape even where no API view ran: a path the API does
not have (404) or a method a route does not take (405)."""
import re

from management_api.errors import error_response

API_PATH = re.compile(r"^/t/[^/]+/api(?:/|$)")


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (404, 405) and API_PATH.match(request.path_info) \
                and not response.get("Content-Type", "").startswith("application/json"):
            if response.status_code == 404:
                return error_response(404, "guard.route_not_found",
                                      f"No Management API route {request.path_info.split('/api', 1)[1]!r}.")
            allowed = response.get("Allow", "")
            answer = error_response(405, "guard.method_not_allowed",
                                    f"{request.method} is not allowed here; use {allowed}.")
            answer["Allow"] = allowed
            return answer
        return response
