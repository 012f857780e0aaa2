"""The seed's story end to end through @logto/client: a new phone number registers with an SMS code (sent by
the real Celery worker through the Tencent SDK to the emulator), signs out, signs in again as the same `sub`,
then recovers the account by SMS."""
from urllib.parse import quote

import pytest

from console.accounts.models import User
from tests.oidc_clients import run_logto_flow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.node]
PHONE = "+8613900001234"


@pytest.fixture
def sdk(live_server, settings, tenant, app, phone_experience, sms_emulator, celery_worker):
    settings.PUBLIC_URL = live_server.url
    phone_experience.code_policy = dict(phone_experience.code_policy, resendCooldownSeconds=0)
    phone_experience.save()
    code_url = f"{sms_emulator.url}/__emulator__/latest-code?phone={quote(PHONE)}"

    def run(steps):
        sms_emulator.client.reset()
        return run_logto_flow({
            "endpoint": tenant.endpoint, "appId": app.client_id, "redirectUri": "com.example.app://callback",
            "postSignOutRedirectUri": "com.example.app://callback/sign-out", "signInSteps": steps,
            "scopes": ["phone"],
        })

    run.code_step = {"fillFromCommand": {"field": "code", "url": code_url, "pollSeconds": 15}}
    return run


def test_register_sign_in_again_and_recover_by_sms(sdk, tenant):
    phone_step = {"form": {"actionContains": "/sign-in/code"}, "fill": {"phone": "+86 139 0000 1234"}}
    first = sdk([phone_step, sdk.code_step])
    assert first["ok"], first["errors"]
    user = User.objects.get(tenant=tenant, phone=PHONE)
    assert first["idTokenClaims"]["sub"] == user.uid
    assert first["idTokenClaims"]["phone_number"] == PHONE
    assert first["idTokenClaims"]["phone_number_verified"] is True
    assert first["signOutLocation"] == "com.example.app://callback/sign-out"

    again = sdk([dict(phone_step, fill={"phone": "139-0000-1234"}), sdk.code_step])
    assert again["ok"], again["errors"]
    assert again["idTokenClaims"]["sub"] == user.uid
    assert User.objects.filter(tenant=tenant, phone=PHONE).count() == 1

    recovered = sdk([
        {"form": {"actionContains": "/forgot-password"}, "fill": {}},
        {"fill": {"phone": PHONE}},
        sdk.code_step,
        {"fill": {"password": "new-Secret-2026"}},
    ])
    assert recovered["ok"], recovered["errors"]
    assert recovered["idTokenClaims"]["sub"] == user.uid
    user.refresh_from_db()
    assert user.check_password("new-Secret-2026")
