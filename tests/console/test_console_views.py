"""The console over HTTP: sign-in, tenants, applications, audit."""
import re

import pytest
from django.urls import reverse

from console.applications.models import Application
from console.audit.models import AuditEntry
from console.tenants.models import Membership, Tenant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_with_wrong_password_shows_error_and_keeps_username(client, admin):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Wrong username or password" in body
    assert 'value="alice"' in body


def test_sign_in_then_out(client, admin, tenant):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("applications:list", args=[tenant.id])).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("applications:list", args=[tenant.id])).status_code == 302


def test_sign_in_is_rate_limited(client, admin):
    for _ in range(10):
        client.post(reverse("accounts:login"), {"username": "alice", "password": "bad"})
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-ins" in response.content.decode()


def test_console_requires_sign_in(client, tenant):
    response = client.get(reverse("applications:list", args=[tenant.id]))
    assert response.status_code == 302 and "/console/sign-in" in response["Location"]


def test_create_tenant_makes_owner_key_and_audit(admin_client, admin):
    response = admin_client.post(reverse("tenants:list"), {"name": "Shop", "tag": "production"})
    tenant = Tenant.objects.get(name="Shop")
    assert response.status_code == 302
    assert re.fullmatch(r"[a-z0-9]{6}", tenant.id)
    assert Membership.objects.get(tenant=tenant).role == "owner"
    assert tenant.signing_keys.filter(retired_at__isnull=True).count() == 1
    assert AuditEntry.objects.filter(tenant=tenant, action="tenant.create").exists()


def test_create_tenant_with_blank_name_shows_field_error(admin_client):
    response = admin_client.post(reverse("tenants:list"), {"name": "  ", "tag": "development"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Tenant.objects.exists()


def test_rename_and_switch_tenant(admin_client, tenant, make_tenant, admin):
    other = make_tenant(admin, name="Second")
    response = admin_client.post(reverse("tenants:settings", args=[tenant.id]),
                                 {"name": "Renamed", "tag": "development", "default_country": "us"})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.default_country) == ("Renamed", "US")
    switched = admin_client.get(reverse("tenants:switch") + f"?tenant={other.id}")
    assert switched["Location"] == reverse("applications:list", args=[other.id])
    page = admin_client.get(reverse("applications:list", args=[other.id])).content.decode()
    assert "Renamed" in page and "Second" in page  # both in the switcher


def test_delete_tenant_needs_typed_confirmation(admin_client, tenant):
    response = admin_client.post(reverse("tenants:delete", args=[tenant.id]), {"confirmation": "wrong"})
    assert response.status_code == 400
    assert Tenant.objects.filter(pk=tenant.pk).exists()
    admin_client.post(reverse("tenants:delete", args=[tenant.id]), {"confirmation": tenant.id})
    assert not Tenant.objects.filter(pk=tenant.pk).exists()


def test_framework_picker_lists_types_and_capacitor(admin_client, tenant):
    page = admin_client.get(reverse("applications:create", args=[tenant.id])).content.decode()
    for label in ("Native app", "Single page app", "Traditional web", "Machine-to-machine", "Capacitor JS", "Flutter"):
        assert label in page
    filtered = admin_client.get(reverse("applications:create", args=[tenant.id]) + "?type=spa").content.decode()
    assert "React" in filtered and "Capacitor JS" not in filtered


def test_create_capacitor_app_and_read_guide(admin_client, tenant):
    url = reverse("applications:create", args=[tenant.id])
    response = admin_client.post(url, {"framework": "capacitor-js", "name": "Bookstore"})
    app = Application.objects.get(tenant=tenant)
    assert response["Location"] == reverse("applications:detail", args=[tenant.id, app.client_id])
    assert re.fullmatch(r"[0-9a-z]{21}", app.client_id) and app.is_public and not app.secret_last4
    detail_url = reverse("applications:detail", args=[tenant.id, app.client_id])
    saved = admin_client.post(detail_url, {
        "name": "Bookstore", "description": "", "redirect_uris": "com.example.app://callback",
        "post_logout_redirect_uris": "com.example.app://callback/sign-out",
        "allowed_origins": "capacitor://localhost", "refresh_token_ttl_days": 14,
    })
    assert saved.status_code == 302
    page = admin_client.get(detail_url).content.decode()
    assert f"endpoint: '{tenant.endpoint}'" in page
    assert f"appId: '{app.client_id}'" in page
    assert "signIn('com.example.app://callback')" in page
    assert "signOut('com.example.app://callback/sign-out')" in page
    assert f"{tenant.endpoint}/oidc/.well-known/openid-configuration" in page


def test_invalid_redirect_uri_shows_inline_error_and_saves_nothing(admin_client, tenant, make_app, admin):
    app = make_app(tenant, admin)
    response = admin_client.post(reverse("applications:detail", args=[tenant.id, app.client_id]), {
        "name": "Changed", "description": "", "redirect_uris": "com.example.app://callback\njavascript:alert(1)",
        "post_logout_redirect_uris": "", "allowed_origins": "", "refresh_token_ttl_days": 14,
    })
    body = response.content.decode()
    assert response.status_code == 400
    import re

    field_errors = re.findall(r'<p class="field-error" role="alert">([^<]*)</p>', body)
    assert any("javascript:alert(1)" in e and "never allowed" in e for e in field_errors)
    app.refresh_from_db()
    assert app.name == "Bookstore" and app.redirect_uri_list == ["com.example.app://callback"]


def test_traditional_app_secret_shown_once_then_masked_and_rotatable(admin_client, tenant):
    admin_client.post(reverse("applications:create", args=[tenant.id]), {"framework": "django", "name": "Web"})
    app = Application.objects.get(tenant=tenant)
    url = reverse("applications:detail", args=[tenant.id, app.client_id])
    first = admin_client.get(url).content.decode()
    secret = re.search(r'class="secret" data-copy>([0-9A-Za-z]{32})<', first).group(1)
    assert secret.endswith(app.secret_last4)
    second = admin_client.get(url).content.decode()
    assert secret not in second and f"••••••••{app.secret_last4}" in second
    admin_client.post(reverse("applications:secret_rotate", args=[tenant.id, app.client_id]))
    rotated = re.search(r'class="secret" data-copy>([0-9A-Za-z]{32})<', admin_client.get(url).content.decode()).group(1)
    assert rotated != secret
    entry = AuditEntry.objects.get(action="application.secret_rotate")
    assert rotated not in str(entry.changes) and secret not in str(entry.changes)


def test_delete_app_needs_its_name(admin_client, tenant, make_app, admin):
    app = make_app(tenant, admin)
    url = reverse("applications:delete", args=[tenant.id, app.client_id])
    assert admin_client.post(url, {"confirmation": "nope"}).status_code == 400
    assert Application.objects.filter(pk=app.pk).exists()
    admin_client.post(url, {"confirmation": "Bookstore"})
    assert not Application.objects.filter(pk=app.pk).exists()


def test_audit_log_lists_and_filters(admin_client, tenant, make_app, admin):
    make_app(tenant, admin)
    page = admin_client.get(reverse("audit:list", args=[tenant.id]) + "?action=application.").content.decode()
    assert "Application created" in page and "Tenant created" not in page


def test_unknown_app_is_a_404_page(admin_client, tenant):
    response = admin_client.get(reverse("applications:detail", args=[tenant.id, "x" * 21]))
    assert response.status_code == 404
    assert "does not exist" in response.content.decode()


def test_chinese_console(admin_client, tenant):
    response = admin_client.get(reverse("applications:list", args=[tenant.id]), HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert 'lang="zh-hans"' in response.content.decode()


def test_the_reuse_grace_is_edited_beside_the_refresh_lifetime(admin_client, tenant, make_app, admin):
    app = make_app(tenant, admin)
    url = reverse("applications:detail", args=[tenant.id, app.client_id])
    form = {"name": "Bookstore", "description": "", "redirect_uris": "com.example.app://callback",
            "post_logout_redirect_uris": "", "allowed_origins": "", "refresh_token_ttl_days": 14}
    assert 'name="reuse_grace_seconds" value="10"' in admin_client.get(url).content.decode().replace("\n", "")
    assert admin_client.post(url, {**form, "reuse_grace_seconds": 61}).status_code == 400
    assert admin_client.post(url, {**form, "reuse_grace_seconds": 0}).status_code == 302
    app.refresh_from_db()
    assert app.reuse_grace_seconds == 0
