"""One code or one refresh token sent by ten requests at once, on the suite's database (a live server: PostgreSQL,
or SQLite in `make test`'s second run) and on `make run`'s embedded SQLite (the launcher): exactly one gets tokens, the rest a clean invalid_grant, and the winner stays
signed in. A repeat within the app's reuse grace revokes nothing; after it, reuse revokes what the first use
issued."""
import json
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import pytest
import requests
from django.db import connection
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from console.applications.models import Application
from tests.launched import ROOT, authorization_code, demo_app_signed_in
from tests.oidc.flows import get_code

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 10


@dataclass
class Server:
    oidc: str
    client_id: str
    redirect_uri: str
    new_code: Callable  # () -> (code, verifier)
    set_reuse_grace: Callable  # seconds -> None
    token_rows: Callable  # () -> {"access": n, "refresh": n}, the app's token rows


@pytest.fixture
def suite_database_server(live_server, settings, make_admin, make_tenant, make_app, make_end_user):
    settings.PUBLIC_URL = live_server.url
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="Bookshop")
    app = make_app(tenant, owner)
    make_end_user(tenant, username="reader")
    yield Server(f"{live_server.url}/t/{tenant.id}/oidc", app.client_id, app.redirect_uri_list[0],
                 lambda: get_code(Client(), tenant, app),
                 lambda seconds: Application.objects.filter(pk=app.pk).update(reuse_grace_seconds=seconds),
                 lambda: {"access": AccessToken.objects.filter(application=app).count(),
                          "refresh": RefreshToken.objects.filter(application=app).count()})


@pytest.fixture
def make_run_server(request):
    if connection.vendor == "sqlite":
        pytest.skip("the launcher's SQLite does not depend on the suite's database: the PostgreSQL run covers it")
    env, base, _banner = request.getfixturevalue("embedded")
    info = demo_app_signed_in(sys.executable, env)
    oidc = f"{base}/t/{info['tenant_id']}/oidc"

    def set_reuse_grace(seconds):
        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        "from console.applications.models import Application; Application.objects.filter("
                        f"client_id={info['client_id']!r}).update(reuse_grace_seconds={int(seconds)})"],
                       cwd=ROOT, env=env, check=True, capture_output=True)

    def token_rows():
        done = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                               "import json; from oauth2_provider.models import AccessToken, RefreshToken; "
                               f"app = {{'application__client_id': {info['client_id']!r}}}; "
                               "print(json.dumps({'access': AccessToken.objects.filter(**app).count(), "
                               "'refresh': RefreshToken.objects.filter(**app).count()}))"],
                              cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    yield Server(oidc, info["client_id"], info["redirect_uri"], lambda: authorization_code(oidc, info),
                 set_reuse_grace, token_rows)
    set_reuse_grace(Application._meta.get_field("reuse_grace_seconds").default)


@pytest.fixture(params=["suite_database", "make_run"])
def server(request):
    return request.getfixturevalue(f"{request.param}_server")


def _exchange(server, code, verifier):
    return requests.post(f"{server.oidc}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": server.redirect_uri,
        "client_id": server.client_id, "code_verifier": verifier}, timeout=30)


def _refresh(server, refresh_token):
    return requests.post(f"{server.oidc}/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": server.client_id}, timeout=30)


def _me(server, access_token):
    return requests.get(f"{server.oidc}/me", headers={"Authorization": f"Bearer {access_token}"}, timeout=30)


def _at_once(post):
    """The answers to `post()` from PARALLEL threads released at the same instant."""
    barrier = threading.Barrier(PARALLEL)

    def one(_):
        barrier.wait()
        return post()

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(one, range(PARALLEL)))


def _race(post):
    """`post()` from PARALLEL threads at once; (answers as "status error", winners' bodies)."""
    summary, winners = Counter(), []
    for answer in _at_once(post):
        body = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else {}
        if answer.status_code == 200 and body.get("access_token") and body.get("refresh_token"):
            winners.append(body)
            summary["200 tokens"] += 1
        else:
            summary[f"{answer.status_code} {body.get('error') or repr(body)[:80]}"] += 1
    return summary, winners


def _still_signed_in(server, tokens):
    assert _me(server, tokens["access_token"]).status_code == 200
    refreshed = _refresh(server, tokens["refresh_token"])
    assert refreshed.status_code == 200 and refreshed.json()["access_token"], refreshed.text
    return refreshed.json()


def test_ten_parallel_exchanges_of_one_code_give_tokens_once(server):
    code, verifier = server.new_code()
    before = server.token_rows()
    summary, winners = _race(lambda: _exchange(server, code, verifier))
    assert summary == {"200 tokens": 1, "400 invalid_grant": PARALLEL - 1}
    # The losers wrote nothing: one access token and one refresh token more, the winner's.
    assert server.token_rows() == {"access": before["access"] + 1, "refresh": before["refresh"] + 1}
    _still_signed_in(server, winners[0])


def test_ten_parallel_refreshes_of_one_token_rotate_it_once_and_keep_the_winner_signed_in(server):
    code, verifier = server.new_code()
    tokens = _exchange(server, code, verifier).json()
    before = server.token_rows()
    summary, winners = _race(lambda: _refresh(server, tokens["refresh_token"]))
    assert summary == {"200 tokens": 1, "400 invalid_grant": PARALLEL - 1}
    # One rotation: the access token's row issued again, one refresh token more (the rotated one is kept, revoked).
    assert server.token_rows() == {"access": before["access"], "refresh": before["refresh"] + 1}
    _still_signed_in(server, winners[0])


def test_ten_parallel_refreshes_narrowed_to_no_refresh_token_still_give_tokens_once(server):
    """A refresh asking for fewer scopes, offline_access left out, gets an access token and no successor: its
    concurrent copies must still lose (the claim, not the successor's unique access token, decides)."""
    code, verifier = server.new_code()
    tokens = _exchange(server, code, verifier).json()

    def narrowed():
        return requests.post(f"{server.oidc}/token", data={
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": server.client_id,
            "scope": "openid profile"}, timeout=30)

    answers = _at_once(narrowed)
    granted = [answer.json() for answer in answers if answer.status_code == 200]
    assert len(granted) == 1 and "refresh_token" not in granted[0]
    assert Counter(answer.json()["error"] for answer in answers if answer.status_code != 200) == {
        "invalid_grant": PARALLEL - 1}
    assert _me(server, granted[0]["access_token"]).status_code == 200


def test_a_code_repeated_within_the_grace_is_refused_and_revokes_nothing(server):
    code, verifier = server.new_code()
    first = _exchange(server, code, verifier).json()
    again = _exchange(server, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    _still_signed_in(server, first)


def test_a_code_reused_after_the_grace_revokes_the_tokens_of_its_first_exchange(server):
    server.set_reuse_grace(0)
    code, verifier = server.new_code()
    first = _exchange(server, code, verifier).json()
    rotated = _refresh(server, first["refresh_token"]).json()
    again = _exchange(server, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert _me(server, first["access_token"]).status_code == 401
    assert _me(server, rotated["access_token"]).status_code == 401  # the whole family went, rotations included
    assert _refresh(server, rotated["refresh_token"]).status_code == 400


def test_a_rotated_refresh_token_repeated_within_the_grace_leaves_the_family_alone(server):
    code, verifier = server.new_code()
    first = _exchange(server, code, verifier).json()
    successor = _refresh(server, first["refresh_token"]).json()
    again = _refresh(server, first["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    _still_signed_in(server, successor)


def test_a_rotated_refresh_token_reused_after_the_grace_revokes_the_family(server):
    server.set_reuse_grace(0)
    code, verifier = server.new_code()
    first = _exchange(server, code, verifier).json()
    successor = _refresh(server, first["refresh_token"]).json()
    again = _refresh(server, first["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert _me(server, successor["access_token"]).status_code == 401
    assert _refresh(server, successor["refresh_token"]).status_code == 400
