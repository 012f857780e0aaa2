"""A code the provider refused for good: the verify page says so and offers a resend at once, without writing
anything on the GET; the resend (a POST) lifts the number's cooldown for that sign-in only."""
import pytest
from django.test import Client

from connectors.models import SmsMessage
from signin_experience.codes import cooldown_remaining
from tests.signin_experience.test_phone_flows import PHONE, code_from_emulator, page_url, send_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_verify_page_only_reads_and_the_resend_lifts_the_cooldown(client, tenant, app, phone_experience,
                                                                      sms_emulator, celery_worker, wait_for_sms):
    sms_emulator.client.script_phone(PHONE, "InvalidParameterValue.IncorrectPhoneNumber")
    response = send_code(client, tenant, app, PHONE)
    wait_for_sms(SmsMessage.objects.get(phone=PHONE).pk)
    held = cooldown_remaining(tenant, PHONE)
    assert held > 0

    page = client.get(response["Location"]).content.decode()
    assert "could not send the code" in page and "Resend code" in page and "data-countdown=" not in page
    assert cooldown_remaining(tenant, PHONE) > 0  # the GET changed nothing
    other_browser = send_code(Client(), tenant, app, PHONE, ip="10.0.0.2")
    assert other_browser["X-Postern-Error"] == "code.resend_too_soon"  # its sign-in did not fail

    sms_emulator.client.script_phone(PHONE, None)
    resent = client.post(page_url(tenant, app, "sign-in/resend"))
    assert resent.status_code == 302 and "/sign-in/verify?" in resent["Location"]
    code, _template = code_from_emulator(sms_emulator, PHONE, after=1)
    assert len(code) == 6
