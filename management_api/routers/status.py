"""GET /api/status: Logto's health check (no authentication; 204)."""
from django.http import HttpResponse
from ninja import Router

from management_api.auth import request_tenant

router = Router(tags=["Health check"])


@router.get("/status", auth=None, response={204: None}, summary="Health check")
def status(request):
    request_tenant(request)  # an unknown tenant is a 404
    return HttpResponse(status=204)
