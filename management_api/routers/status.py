"""GET /api/status: Logto's health check (no authentication; 204)."""
from django.http import HttpResponse
from ninja import Router

router = Router(tags=["Health check"])


@router.get("/status", auth=None, response={204: None}, summary="Health check")
def status(request):
    return HttpResponse(status=204)
