"""The beat job that deletes what the token engine leaves behind, on the suite's database (PostgreSQL, and SQLite
in `make test`'s second run): what it deletes, and what it must keep."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from console.accounts.models import User
from console.celery import app as celery_app
from console.oidc.cleanup import expired_tokens_clear
from console.oidc.models import RedeemedCode
from console.oidc.tasks import clear_expired_tokens
from tests.oidc.flows import exchange, get_code, tokens_for
from tests.oidc.test_provider import _verify
from tests.oidc.test_token_rules import _refresh

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(seconds=settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"] + 3600)


def _expire_codes():
    past = timezone.now() - timedelta(minutes=5)
    Grant.objects.update(expires=past)
    RedeemedCode.objects.update(expires=past)


@pytest.mark.django_db(transaction=True)
def test_the_job_is_on_beats_schedule_and_runs(setup):
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "oidc.clear_expired_tokens" in scheduled and "oidc.clear_expired_tokens" in celery_app.tasks
    Grant.objects.create(application=setup[1], user=User.objects.get(username="reader"), code="stale",
                         expires=timezone.now() - timedelta(minutes=5), redirect_uri="com.example.app://callback",
                         scope="openid")
    clear_expired_tokens.apply().get()
    assert not Grant.objects.exists()


def test_expired_codes_go_and_a_live_one_stays(client, setup):
    tenant, app, *_ = setup
    tokens_for(client, tenant, app)  # exchanged: its grant stays behind the exchange record
    get_code(client, tenant, app)  # never exchanged
    _expire_codes()
    live_code, verifier = get_code(client, tenant, app)
    expired_tokens_clear()
    assert list(Grant.objects.values_list("code", flat=True)) == [live_code]
    assert exchange(client, tenant, app, live_code, verifier).status_code == 200


def test_an_exchange_record_stays_while_its_refresh_family_lives_and_its_sign_in_time_with_it(client, setup):
    tenant, app, *_ = setup
    family = tokens_for(client, tenant, app)
    _expire_codes()
    expired_tokens_clear()
    assert RedeemedCode.objects.count() == 1
    refreshed = _refresh(client, tenant, app, family["refresh_token"]).json()
    claims = _verify(refreshed["id_token"], client.get(f"/t/{tenant.id}/oidc/jwks").json(), tenant.issuer)
    assert "auth_time" in claims


def test_an_exchange_record_goes_once_its_code_expired_and_no_refresh_token_of_its_family_is_left(client, setup):
    tenant, app, *_ = setup
    code, verifier = get_code(client, tenant, app, scope="openid profile")
    assert exchange(client, tenant, app, code, verifier).status_code == 200  # no refresh family at all
    family = tokens_for(client, tenant, app)
    rotated = _refresh(client, tenant, app, family["refresh_token"]).json()
    _expire_codes()
    # The family's tokens: the rotated one revoked long ago, the live one idle past the refresh lifetime.
    RefreshToken.objects.filter(revoked__isnull=False).update(revoked=timezone.now() - LONG_AGO)
    AccessToken.objects.update(expires=timezone.now() - LONG_AGO)
    expired_tokens_clear()
    assert not RedeemedCode.objects.exists()
    assert not RefreshToken.objects.exists() and not AccessToken.objects.exists()
    assert _refresh(client, tenant, app, rotated["refresh_token"]).json()["error"] == "invalid_grant"


def test_live_tokens_and_a_recently_rotated_refresh_token_stay(client, setup):
    tenant, app, *_ = setup
    first = tokens_for(client, tenant, app)
    second = _refresh(client, tenant, app, first["refresh_token"]).json()
    expired_tokens_clear()
    assert RefreshToken.objects.count() == 2  # the rotated one is kept: replaying it revokes the family
    assert AccessToken.objects.count() == 1
    assert _refresh(client, tenant, app, second["refresh_token"]).status_code == 200
