"""Resend at a limit answers the verify page with the limit's message and status, not a 500."""
from urllib.parse import urlencode

import pytest

from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = pytest.mark.django_db


def test_resend_past_the_per_number_limit_is_a_429_page(client, tenant, app, phone_experience):
    phone_experience.code_policy = dict(phone_experience.code_policy, resendCooldownSeconds=0, perPhoneLimit=1)
    phone_experience.save()
    query = urlencode(authorize_params(app, pkce_pair()[1]))
    assert client.post(f"/t/{tenant.id}/sign-in/code?{query}", {"phone": "+8613800138000"}).status_code == 302

    response = client.post(f"/t/{tenant.id}/sign-in/resend?{query}")

    assert response.status_code == 429 and "Retry-After" in response
    assert "Too many codes" in response.content.decode()
