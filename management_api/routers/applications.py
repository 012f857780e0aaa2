"""/api/applications: Logto's application shape over the console's application services."""
from django.http import HttpResponse
from ninja import Query, Router

from console.applications import selectors
from console.shapes import application_json
from management_api.paging import PageParams, paged

router = Router(tags=["Applications"])

@router.get("", summary="Get applications")
def list_applications(request, response: HttpResponse, page: Query[PageParams]):
    apps = selectors.applications_for_tenant(request.auth.tenant).only()
    return [application_json(app) for app in paged(apps, page, response)]
