"""The Users page of a tenant."""
import pytest
from django.urls import reverse

from console.accounts.models import User
from console.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_create_search_and_view_user(admin_client, tenant):
    url = reverse("users:list", args=[tenant.id])
    response = admin_client.post(url, {"username": "neo", "phone": "+86 138 0013 8000", "email": "",
                                       "name": "Thomas", "password": "a-long-secret-1"})
    user = User.objects.get(tenant=tenant, username="neo")
    assert response.status_code == 302 and user.phone == "+8613800138000" and user.check_password("a-long-secret-1")
    assert "neo" in admin_client.get(url + "?q=13800138000").content.decode()
    assert "neo" not in admin_client.get(url + "?q=zzz").content.decode()
    detail = admin_client.get(reverse("users:detail", args=[tenant.id, user.uid])).content.decode()
    assert "+8613800138000" in detail
    entry = AuditEntry.objects.get(action="user.create")
    assert "a-long-secret-1" not in str(entry.changes)


def test_duplicate_and_invalid_identifiers_show_field_errors(admin_client, tenant, make_end_user):
    make_end_user(tenant, username="taken")
    url = reverse("users:list", args=[tenant.id])
    response = admin_client.post(url, {"username": "taken", "phone": "12", "email": "", "name": "", "password": ""})
    body = response.content.decode()
    assert response.status_code == 400 and "already has this username" in body and "phone number" in body
    assert User.objects.filter(tenant=tenant).count() == 1


def test_same_username_in_two_tenants_are_two_people(admin_client, tenant, make_tenant, admin):
    other = make_tenant(admin, name="Other")
    for t in (tenant, other):
        admin_client.post(reverse("users:list", args=[t.id]), {"username": "sam", "password": "a-long-secret-1"})
    assert User.objects.filter(username="sam").values("tenant").distinct().count() == 2


def test_suspend_reset_delete(admin_client, tenant, make_end_user):
    user = make_end_user(tenant, username="bob")
    admin_client.post(reverse("users:suspend", args=[tenant.id, user.uid]), {"suspended": "1"})
    user.refresh_from_db()
    assert user.is_suspended
    admin_client.post(reverse("users:password_reset", args=[tenant.id, user.uid]))
    page = admin_client.get(reverse("users:detail", args=[tenant.id, user.uid])).content.decode()
    import re

    new_password = re.search(r'class="secret">([0-9A-Za-z]{16})<', page).group(1)
    user.refresh_from_db()
    assert user.check_password(new_password)
    admin_client.post(reverse("users:delete", args=[tenant.id, user.uid]))
    assert not User.objects.filter(pk=user.pk).exists()
    actions = set(AuditEntry.objects.filter(tenant=tenant).values_list("action", flat=True))
    assert {"user.suspend", "user.password_reset", "user.delete"} <= actions
