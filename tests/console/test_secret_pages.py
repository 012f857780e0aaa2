"""Pages that show a one-time secret are never cached: the created/rotated client secret, a reset password."""
import re

import pytest
from django.urls import reverse

from console.applications.models import Application

pytestmark = pytest.mark.django_db


def _no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_created_and_rotated_client_secret_pages_are_no_store(admin_client, tenant):
    admin_client.post(reverse("applications:create", args=[tenant.id]), {"framework": "django", "name": "Web"})
    app = Application.objects.get(tenant=tenant)
    url = reverse("applications:detail", args=[tenant.id, app.client_id])
    created = admin_client.get(url)
    assert re.search(r'class="secret" data-copy>[0-9A-Za-z]{32}<', created.content.decode())
    assert _no_store(created)
    admin_client.post(reverse("applications:secret_rotate", args=[tenant.id, app.client_id]))
    rotated = admin_client.get(url)
    assert re.search(r'class="secret" data-copy>[0-9A-Za-z]{32}<', rotated.content.decode())
    assert _no_store(rotated)


def test_reset_password_page_is_no_store(admin_client, tenant, make_end_user):
    user = make_end_user(tenant, username="bob")
    admin_client.post(reverse("users:password_reset", args=[tenant.id, user.uid]), {"sign_out_everywhere": "on"})
    page = admin_client.get(reverse("users:detail", args=[tenant.id, user.uid]))
    assert re.search(r'class="secret">[0-9A-Za-z]{16}<', page.content.decode())
    assert _no_store(page)
