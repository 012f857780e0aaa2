"""The built-in live-preview app is a real app of the tenant: the Management API lists it, marked."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_management_api_lists_the_preview_app_marked(make_management_api, client, settings):
    settings.PUBLIC_URL = "http://localhost"  # before the token: its audience is the tenant's endpoint
    mapi = make_management_api()
    console = type(client)(HTTP_HOST="localhost")
    console.force_login(mapi.owner)
    console.post(reverse("signin_experience:try_it", args=[mapi.tenant.id]))
    status, apps, _response = mapi.call("GET", "/applications")
    assert status == 200
    marks = {app["name"]: app["isLivePreview"] for app in apps}
    assert marks == {"Live preview": True, mapi.app.name: False}
