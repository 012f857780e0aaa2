"""The live preview: the hosted templates for the unsaved settings, one step at a time, leading nowhere real."""
import re

import pytest
from django.urls import reverse

from signin_experience.selectors import experience_for
from tests.signin_experience.test_settings_page import PHONE_SETUP, form_data

pytestmark = pytest.mark.django_db


def preview(admin_client, tenant, headers=None, **fields):
    url = reverse("signin_experience:preview", args=[tenant.id])
    return admin_client.post(url, form_data(tenant, **PHONE_SETUP, **fields), **(headers or {})).content.decode()


def destinations(body):
    return re.findall(r'(?:action|href)="([^"]*)"', body.split("<body", 1)[1])


def test_every_link_and_form_of_the_preview_leads_to_a_preview_step(admin_client, tenant, tencent_connector):
    body = preview(admin_client, tenant, forgot_phone="on")
    assert 'data-preview-step="sign_in"' in body
    assert set(destinations(body)) <= {"#preview-step=sign_in", "#preview-step=verify", "#preview-step=forgot_password",
                                       "#preview-stay"}
    assert "#preview-step=verify" in destinations(body)
    assert f"/t/{tenant.id}/" not in body  # nothing in it reaches the hosted pages


def test_continue_with_phone_shows_the_code_page_with_the_typed_number_formatted(admin_client, tenant,
                                                                                  tencent_connector):
    body = preview(admin_client, tenant, preview_step="verify", preview_phone="139 0013 9001", preview_country="CN")
    assert 'data-preview-step="verify"' in body
    assert "Enter verification code" in body
    assert ">+86 139 0013 9001</span>" in body
    assert set(destinations(body)) <= {"#preview-step=sign_in", "#preview-step=verify", "#preview-stay"}
    # Nothing was sent, nothing saved.
    assert experience_for(tenant).sign_up["identifiers"] == ["username"]
    from connectors.models import SmsMessage
    assert not SmsMessage.objects.exists()


def test_the_code_page_names_an_example_number_when_none_was_typed(admin_client, tenant, tencent_connector):
    body = preview(admin_client, tenant, preview_step="verify", preview_phone="")
    assert re.search(r">\+86 1\d\d \d{4} \d{4}</span>", body)


def test_a_step_the_settings_do_not_offer_falls_back_to_the_first(admin_client, tenant, tencent_connector):
    body = preview(admin_client, tenant, preview_step="register")  # phone sign-up: no username registration
    assert 'data-preview-step="sign_in"' in body


def test_the_preview_language_drives_every_string_and_the_identifier_label(admin_client, tenant, tencent_connector):
    body = preview(admin_client, tenant, preview_language="zh-Hans")
    label = re.search(r'<label for="id_identifier">([^<]*)</label>', body).group(1)
    assert label == "用户名"
    assert "中国 +86" in body and "通过手机号继续" in body
    english = preview(admin_client, tenant, headers={"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}, preview_language="en")
    assert re.search(r'<label for="id_identifier">([^<]*)</label>', english).group(1) == "Username"


def test_the_preview_starts_in_the_consoles_language(admin_client, tenant):
    url = reverse("signin_experience:preview", args=[tenant.id])
    assert 'lang="zh-hans"' in admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    page = admin_client.get(reverse("signin_experience:settings", args=[tenant.id]),
                            HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert 'name="preview_language" value="zh-Hans"' in page
    assert 'sandbox="allow-same-origin"' in page  # the frame may neither run scripts nor submit forms
