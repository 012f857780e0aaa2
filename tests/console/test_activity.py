"""End-user activity in the console (sign-ins, sign-ups, refused passwords from the hosted pages) and an audit
log written for a reader."""
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from console.applications.services import application_update
from signin_experience.selectors import experience_for
from signin_experience.services import experience_update
from tests.conftest import PASSWORD
from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


@pytest.fixture
def app(tenant, admin, make_app):
    return make_app(tenant, admin)


def hosted_sign_in(client, tenant, app, identifier, password=PASSWORD, **headers):
    """A password sign-in on the real hosted page, in a browser of its own (no admin session)."""
    client.logout()
    url = f"/t/{tenant.id}/sign-in?{urlencode(authorize_params(app, pkce_pair()[1]))}"
    return client.post(url, {"identifier": identifier, "password": password}, **headers)


def test_sign_ins_and_refused_passwords_are_listed_and_filtered_by_user(client, admin, tenant, app, make_end_user):
    reader = make_end_user(tenant, username="reader")
    make_end_user(tenant, username="writer")
    assert hosted_sign_in(client, tenant, app, "reader").status_code == 302
    assert hosted_sign_in(client, tenant, app, "reader", password="wrong password").status_code == 400
    assert hosted_sign_in(client, tenant, app, "writer").status_code == 302
    assert hosted_sign_in(client, tenant, app, "nobody-here", password="wrong password").status_code == 400

    client.force_login(admin)
    url = reverse("audit:activity", args=[tenant.id])
    page = client.get(url).content.decode()
    assert page.count("Signed in") == 2 and page.count("Sign-in refused") == 2
    assert "Wrong account or password" in page and "unknown account" in page and "Bookstore" in page
    assert f'href="/console/t/{tenant.id}/users/{reader.uid}"' in page

    only_reader = client.get(url, {"user": reader.uid}).content.decode()
    assert only_reader.count("Signed in") == 1 and only_reader.count("Sign-in refused") == 1
    assert "writer" not in only_reader
    by_name = client.get(url, {"user": "writ"}).content.decode()
    assert by_name.count("Signed in") == 1 and "Sign-in refused" not in by_name
    refused = client.get(url, {"kind": "failed"}).content.decode()
    assert "Signed in" not in refused.split("<tbody>")[1] and refused.count("Sign-in refused") == 2


def test_the_user_page_shows_that_users_recent_sign_ins(client, admin, tenant, app, make_end_user):
    reader = make_end_user(tenant, username="reader")
    other = make_end_user(tenant, username="other")
    hosted_sign_in(client, tenant, app, "reader", HTTP_USER_AGENT="Bookstore/1.0 (iPhone)")
    hosted_sign_in(client, tenant, app, "other")
    client.force_login(admin)
    page = client.get(reverse("users:detail", args=[tenant.id, reader.uid])).content.decode()
    assert "Recent sign-ins" in page and page.count("Signed in") == 1 and "Bookstore/1.0 (iPhone)" in page
    assert f"?user={reader.uid}" in page
    quiet = client.get(reverse("users:detail", args=[tenant.id, other.uid]), **ZH).content.decode()
    assert "近期登录记录" in quiet and "登录成功" in quiet


def test_the_activity_page_speaks_chinese(client, admin, tenant, app, make_end_user):
    make_end_user(tenant, username="reader")
    hosted_sign_in(client, tenant, app, "reader", password="wrong password")
    client.force_login(admin)
    page = client.get(reverse("audit:activity", args=[tenant.id]), **ZH).content.decode()
    assert "终端用户活动" in page and "登录被拒绝" in page and "账号或密码错误" in page and "密码" in page


def test_an_activity_page_of_another_tenant_is_refused(client, make_admin, make_tenant, tenant, app, make_end_user):
    make_end_user(tenant, username="reader")
    hosted_sign_in(client, tenant, app, "reader")
    stranger = make_admin()
    make_tenant(stranger, name="Theirs")
    client.force_login(stranger)
    assert client.get(reverse("audit:activity", args=[tenant.id])).status_code == 404


def test_the_audit_log_reads_as_words(admin_client, admin, tenant, app):
    application_update(application=app, acting_user=admin, name=app.name, description="",
                       redirect_uris=["com.example.app://callback", "com.example.app://other"],
                       post_logout_redirect_uris=[], allowed_origins=[], refresh_token_ttl_days=None)
    settings = experience_for(tenant).as_settings()
    experience_update(tenant=tenant, acting_user=admin, has_sms_connector=False, settings=dict(
        settings, color=dict(settings["color"], primaryColor="#ff0000"), terms_of_use_url="https://example.com/t"))
    page = admin_client.get(reverse("audit:list", args=[tenant.id])).content.decode()
    assert "Application updated" in page and "Redirect URIs" in page
    assert "com.example.app://callback → com.example.app://callback, com.example.app://other" in page
    assert "Post sign-out redirect URIs</strong>: com.example.app://callback/sign-out → —" in page
    assert "Sign-in experience updated" in page
    assert "Environment</strong>: Development" in page  # a stored code in the console's words
    assert "Colors · Primary color</strong>: #5d34f2 → #ff0000" in page
    assert "Terms of use URL</strong>: — → https://example.com/t" in page
    assert "[&#x27;" not in page and "redirect_uris" not in page and "(changed)" not in page
    zh = admin_client.get(reverse("audit:list", args=[tenant.id]), **ZH).content.decode()
    assert "应用已更新" in zh and "重定向 URI" in zh and "登录体验已更新" in zh


def test_activity_older_than_the_retention_is_deleted(client, admin, tenant, app, make_end_user,
                                                                     settings):
    from datetime import timedelta

    from django.utils import timezone

    from console.audit.models import ActivityEntry
    from console.audit.services import activity_expire

    make_end_user(tenant, username="reader")
    hosted_sign_in(client, tenant, app, "reader")
    hosted_sign_in(client, tenant, app, "reader")
    old, recent = ActivityEntry.objects.filter(tenant=tenant).order_by("id")[:2]
    ActivityEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    settings.ACTIVITY_RETENTION_DAYS = 0  # keep for ever
    activity_expire()
    assert ActivityEntry.objects.filter(pk=old.pk).exists()
    settings.ACTIVITY_RETENTION_DAYS = 30
    activity_expire()
    assert list(ActivityEntry.objects.filter(tenant=tenant).values_list("pk", flat=True)) == [recent.pk]
