"""The getting-started page: the landing page after sign-in, each step ticked from the tenant's own state."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STEPS = ["app_created", "redirect_uri_set", "sms_connector_enabled", "sms_test_sent", "phone_sign_in_enabled",
         "first_sign_in_seen"]
TENCENT = {
    "accessKeyId": "AKIDexample", "accessKeySecret": "example-secret-key-1234", "signName": "Bookstore",
    "sdkAppId": "1400000001",
    "templates": [{"templateCode": str(1000 + index), "usageType": usage}
                  for index, usage in enumerate(("Register", "SignIn", "ForgotPassword", "Generic"))],
}


def _steps(client, tenant):
    response = client.get(reverse("getting_started:index", args=[tenant.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    found = re.findall(r'data-step="(\w+)" data-done="(true|false)"', body)
    assert [key for key, _done in found] == STEPS
    return {key: done == "true" for key, done in found}, body


def _connector(tenant, admin):
    """The tenant's first connector, enabled as it is saved."""
    from connectors.services import connector_create

    return connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=TENCENT)


def _test_send(tenant, connector, status):
    from connectors.models import SmsMessage

    return SmsMessage.objects.create(
        tenant=tenant, connector=connector, provider="tencent", usage_type="Generic", phone="+8613800138000",
        template_code="1003", valid_until=timezone.now() + timedelta(minutes=10), is_test=True, status=status)


def test_signing_in_lands_on_the_getting_started_page(client, admin, tenant):
    response = client.post(reverse("accounts:login"), {"username": admin.username, "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("getting_started:index", args=[tenant.pk])
    assert "<h1>Get started</h1>" in response.content.decode()


def test_a_new_tenant_opens_on_its_getting_started_page(admin_client):
    response = admin_client.post(reverse("tenants:list"), {"name": "Shop", "tag": "development",
                                                           "default_country": "CN"})
    assert response.status_code == 302 and response["Location"].endswith("/get-started")


def test_an_empty_tenant_has_nothing_ticked_and_points_at_creating_an_app(admin_client, tenant):
    steps, body = _steps(admin_client, tenant)
    assert not any(steps.values())
    assert "0 of 6 done" in body
    assert re.search(r'class="checklist-step next" data-step="app_created"', body)
    assert f'href="{reverse("applications:create", args=[tenant.pk])}"' in body


def test_app_and_redirect_uri_tick_in_turn(admin_client, admin, tenant, make_app):
    app = make_app(tenant, admin, redirect_uris=[])
    steps, body = _steps(admin_client, tenant)
    assert steps["app_created"] and not steps["redirect_uri_set"]
    assert f'href="{reverse("applications:detail", args=[tenant.pk, app.client_id])}"' in body
    admin_client.post(reverse("applications:detail", args=[tenant.pk, app.client_id]), {
        "name": app.name, "description": "", "redirect_uris": "com.example.app://callback",
        "post_logout_redirect_uris": "", "allowed_origins": "", "refresh_token_ttl_days": 14,
        "reuse_grace_seconds": 10})
    steps, _body = _steps(admin_client, tenant)
    assert steps["redirect_uri_set"]


def test_a_machine_to_machine_app_is_not_the_app_of_the_guide(admin_client, admin, tenant, make_app):
    make_app(tenant, admin, framework="m2m", name="Backend", redirect_uris=[], post_logout_redirect_uris=[])
    steps, _body = _steps(admin_client, tenant)
    assert not steps["app_created"]


def test_connector_ticks_once_enabled_and_test_once_a_test_send_is_sent(admin_client, admin, tenant):
    assert f'href="{reverse("connectors:create", args=[tenant.pk])}"' in _steps(admin_client, tenant)[1]
    connector = _connector(tenant, admin)
    toggle = reverse("connectors:set_enabled", args=[tenant.pk, connector.pk])
    admin_client.post(toggle, {"enabled": "0"})
    steps, body = _steps(admin_client, tenant)
    assert not steps["sms_connector_enabled"]
    assert f'href="{reverse("connectors:edit", args=[tenant.pk, connector.pk])}"' in body
    admin_client.post(toggle, {"enabled": "1"})
    steps, _body = _steps(admin_client, tenant)
    assert steps["sms_connector_enabled"] and not steps["sms_test_sent"]
    _test_send(tenant, connector, "FAILED")
    assert not _steps(admin_client, tenant)[0]["sms_test_sent"]  # a failed test proves nothing
    _test_send(tenant, connector, "SENT")
    assert _steps(admin_client, tenant)[0]["sms_test_sent"]


def test_phone_sign_in_ticks_when_the_experience_offers_it(admin_client, admin, tenant):
    from signin_experience.selectors import experience_for
    from signin_experience.services import experience_update

    _connector(tenant, admin)
    assert not _steps(admin_client, tenant)[0]["phone_sign_in_enabled"]
    settings = experience_for(tenant).as_settings()
    settings["sign_in"] = {"methods": [
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
        {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False},
    ]}
    experience_update(tenant=tenant, acting_user=admin, settings=settings, has_sms_connector=True)
    assert _steps(admin_client, tenant)[0]["phone_sign_in_enabled"]


def test_first_sign_in_ticks_when_an_end_user_has_signed_in(admin_client, tenant, make_end_user):
    from signin_experience.authentication import record_sign_in

    user = make_end_user(tenant)
    assert not _steps(admin_client, tenant)[0]["first_sign_in_seen"]
    record_sign_in(user)
    assert _steps(admin_client, tenant)[0]["first_sign_in_seen"]


def test_another_tenants_progress_counts_for_nothing(admin_client, admin, tenant, make_admin, make_tenant,
                                                     make_app, make_end_user):
    other_owner = make_admin("other-owner")
    other = make_tenant(other_owner, name="Other")
    make_app(other, other_owner)
    _test_send(other, _connector(other, other_owner), "SENT")
    from signin_experience.authentication import record_sign_in

    record_sign_in(make_end_user(other))
    steps, _body = _steps(admin_client, tenant)
    assert not any(steps.values())
    assert admin_client.get(reverse("getting_started:index", args=[other.pk])).status_code == 404


def test_every_step_links_to_a_page_that_opens(admin_client, admin, tenant, make_app):
    make_app(tenant, admin)
    _connector(tenant, admin)
    _steps_done, body = _steps(admin_client, tenant)
    links = re.findall(r'<a class="btn btn-small[^"]*" href="([^"]+)"', body)
    assert len(links) == len(STEPS)
    for link in links:
        assert admin_client.get(link).status_code == 200, link


def test_the_checklist_speaks_chinese(admin_client, tenant):
    body = admin_client.get(reverse("getting_started:index", args=[tenant.pk]),
                            HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "<h1>快速开始</h1>" in body and "创建应用" in body and "已完成 0 / 6 步" in body
    assert "Create an application" not in body
