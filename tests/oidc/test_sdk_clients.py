"""The seed's app, through the real SDKs: @logto/client (as @logto/capacitor uses it) and openid-client 6."""
import pytest

from tests.oidc_clients import run_logto_flow, run_openid_client_flow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.node]


def _confirmed_sign_out(trail, endpoint):
    """The end-session GET showed the confirmation page, and its POST form ended the session."""
    hops = [(hop["method"], hop["url"].split("?")[0], hop["status"]) for hop in trail]
    return (("GET", f"{endpoint}/oidc/session/end", 200) in hops
            and ("POST", f"{endpoint}/oidc/session/end/confirm", 302) in hops)


def test_logto_client_signs_in_refreshes_and_signs_out(oidc_setup):
    result = run_logto_flow(dict(oidc_setup.client_config, requireCors=True))
    assert result["ok"], result["errors"]
    claims = result["idTokenClaims"]
    assert claims["iss"] == f"{oidc_setup.endpoint}/oidc"
    assert claims["aud"] == oidc_setup.app.client_id
    assert claims["sub"] == oidc_setup.user.uid
    assert claims["name"] == "Rita Reader" and claims["username"] == "reader"
    assert result["userInfo"]["sub"] == oidc_setup.user.uid
    assert result["refreshRotated"] is True
    assert result["revocationCalled"] is True
    assert result["signOutLocation"] == "com.example.app://callback/sign-out"
    assert result["signOutParams"].get("id_token_hint") is None  # so the confirmation page is what signs out
    assert _confirmed_sign_out(result["browserTrail"], oidc_setup.endpoint)
    assert result["probes"]["oldRefreshToken"]["rejected"] is True
    assert result["probes"]["sessionAfterSignOut"]["sessionEnded"] is True
    assert result["callbackParams"]["iss"] == f"{oidc_setup.endpoint}/oidc"


def test_openid_client_with_non_repudiation_checks(oidc_setup):
    result = run_openid_client_flow(dict(oidc_setup.client_config, scopes=["phone", "email"]))
    assert result["ok"], result["errors"]
    assert result["idTokenClaims"]["phone_number"] == "+8613800138000"
    assert result["idTokenClaims"]["phone_number_verified"] is True
    assert result["userInfo"]["email"] == "rita@example.com"
    assert result["userInfo"]["email_verified"] is False
    assert result["refreshRotated"] is True
    assert result["signOutLocation"] == "com.example.app://callback/sign-out"
    assert _confirmed_sign_out(result["browserTrail"], oidc_setup.endpoint)
    assert result["probes"]["revokedRefreshToken"]["rejected"] is True
