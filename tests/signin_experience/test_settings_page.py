"""Sign-in experience → Sign-up and sign-in, in the console."""
import pytest
from django.urls import reverse

from console.audit.models import AuditEntry
from signin_experience.selectors import experience_for
from signin_experience.settings_forms import ExperienceForm

pytestmark = pytest.mark.django_db


def form_data(tenant, **changes):
    initial = ExperienceForm.initial_from(experience_for(tenant).as_settings())
    data = {k: v for k, v in initial.items() if v not in (False, None)}
    for key, value in changes.items():
        if value is False:
            data.pop(key, None)
        else:
            data[key] = value
    return data


PHONE_SETUP = {"sign_up_identifier": "phone", "sign_up_password": False, "signin_phone_enabled": "on",
               "signin_phone_code": "on", "signin_phone_order": 1, "signin_username_order": 2}


def test_phone_sign_up_without_a_connector_shows_the_rule(admin_client, tenant):
    url = reverse("signin_experience:settings", args=[tenant.id])
    response = admin_client.post(url, form_data(tenant, **PHONE_SETUP))
    body = response.content.decode()
    assert response.status_code == 400
    assert "enabled_connector_not_found" in body and "SMS connector" in body
    assert experience_for(tenant).sign_up["identifiers"] == ["username"]


def test_email_is_refused_with_a_clear_reason(admin_client, tenant):
    url = reverse("signin_experience:settings", args=[tenant.id])
    body = admin_client.post(url, form_data(tenant, sign_up_identifier="email")).content.decode()
    assert "Postern has none yet" in body


def test_phone_setup_saves_with_a_connector_and_forces_verify(admin_client, tenant, tencent_connector):
    url = reverse("signin_experience:settings", args=[tenant.id])
    response = admin_client.post(url, form_data(tenant, **PHONE_SETUP, sign_up_verify=False))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = experience_for(tenant)
    assert saved.sign_up == {"identifiers": ["phone"], "password": False, "verify": True}
    assert saved.sign_in["methods"][0]["identifier"] == "phone"
    assert saved.sign_in["methods"][0]["verificationCode"] is True
    assert AuditEntry.objects.filter(tenant=tenant, action="sign_in_experience.update").exists()


def test_code_policy_out_of_range_is_a_field_error(admin_client, tenant):
    url = reverse("signin_experience:settings", args=[tenant.id])
    response = admin_client.post(url, form_data(tenant, code_lifetime=30, allowed_countries="CN, XX"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 60" in body


def test_preview_renders_the_unsaved_settings(admin_client, tenant, tencent_connector):
    url = reverse("signin_experience:preview", args=[tenant.id])
    saved = admin_client.get(url).content.decode()
    assert 'type="tel"' not in saved
    preview = admin_client.post(url, form_data(tenant, **PHONE_SETUP, preview_language="zh-Hans",
                                               preview_theme="dark"))
    body = preview.content.decode()
    assert 'type="tel"' in body and 'class="dark"' in body and 'lang="zh-hans"' in body
    assert experience_for(tenant).sign_up["identifiers"] == ["username"]


def test_saving_phone_sign_up_says_which_sign_in_method_it_adds(admin_client, tenant, tencent_connector):
    """Logto's rule (every sign-up identifier is a sign-in method) is kept, and said before and after saving."""
    url = reverse("signin_experience:settings", args=[tenant.id])
    assert "Every sign-up identifier is also a sign-in method" in admin_client.get(url).content.decode()
    response = admin_client.post(url, form_data(tenant, sign_up_identifier="phone", sign_up_password="on"),
                                 follow=True)
    body = response.content.decode()
    assert "Sign-in experience saved." in body
    assert "Added to the sign-in methods: Phone number (password). Every sign-up identifier" in body
    assert experience_for(tenant).sign_in["methods"][-1] == {
        "identifier": "phone", "password": True, "verificationCode": False, "isPasswordPrimary": True}
    again = admin_client.post(url, form_data(tenant), follow=True).content.decode()
    assert "Sign-in experience saved." in again and "Added to the sign-in methods: Phone" not in again
