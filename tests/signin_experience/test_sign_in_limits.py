"""Hosted page abuse limits (console.ratelimit RATES): failed passwords per account, per network and per tenant;
registrations per network and per tenant. Numbers as in the README, "Hosted sign-in pages"."""
import pytest

from console import ratelimit
from console.accounts.models import User
from tests.conftest import PASSWORD
from tests.hashing import counting_hasher  # noqa: F401 — a fixture
from tests.signin_experience.test_phone_flows import PHONE, code_from_emulator, page_url, send_code, verify


def sign_in(client, tenant, app, identifier, password, ip):
    return client.post(page_url(tenant, app), {"identifier": identifier, "password": password}, REMOTE_ADDR=ip)


def register(client, tenant, app, username, ip):
    return client.post(page_url(tenant, app, "register"), {"username": username, "password": "A long passphrase 1"},
                       REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_spraying_sixty_identifiers_from_one_ip_is_stopped_without_hashing(counting_hasher, client, tenant, app,
                                                                          make_end_user):
    make_end_user(tenant, username="pat")
    before = counting_hasher.hashes
    answers = [sign_in(client, tenant, app, f"user{n}", "Winter2024!", "198.51.100.1") for n in range(60)]
    assert [a.status_code for a in answers] == [400] * 30 + [429] * 30
    assert 0 < int(answers[-1]["Retry-After"]) <= 900
    assert "Too many failed sign-ins from your network" in answers[-1].content.decode()
    assert counting_hasher.hashes - before == 30  # the refused 30 cost no hashing
    assert sign_in(client, tenant, app, "pat", PASSWORD, "198.51.100.1").status_code == 429
    assert sign_in(client, tenant, app, "pat", PASSWORD, "198.51.100.2").status_code == 302


@pytest.mark.django_db
def test_successful_sign_ins_do_not_count(counting_hasher, client, tenant, app, make_end_user):
    make_end_user(tenant, username="pat")
    for _ in range(12):
        assert sign_in(client, tenant, app, "pat", PASSWORD, "198.51.100.1").status_code == 302
    for _ in range(9):
        assert sign_in(client, tenant, app, "pat", "wrong", "198.51.100.1").status_code == 400
    assert sign_in(client, tenant, app, "pat", PASSWORD, "198.51.100.1").status_code == 302


@pytest.mark.django_db
def test_every_failed_password_of_a_tenant_counts_towards_its_limit(counting_hasher, client, tenant, app, admin,
                                                                    make_tenant, make_app, make_end_user, monkeypatch):
    rates = dict(enumerate(ratelimit.RATES["signin_password_failed"]))
    rates[2] = ratelimit.Rate(rates[2].scope, 5, rates[2].window, rates[2].message)  # 600 in 15 min, scaled down
    monkeypatch.setitem(ratelimit.RATES, "signin_password_failed", tuple(rates.values()))
    for n in range(5):
        assert sign_in(client, tenant, app, f"user{n}", "wrong", f"198.51.100.{n}").status_code == 400
    paused = sign_in(client, tenant, app, "someone", "wrong", "203.0.113.1")
    assert paused.status_code == 429 and "Password sign-in is paused" in paused.content.decode()
    other = make_tenant(admin, name="Other")
    make_end_user(other, username="pat")
    assert sign_in(client, other, make_app(other, admin), "pat", PASSWORD, "203.0.113.1").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_one_account_from_fifteen_ips_is_locked_for_passwords_but_a_phone_code_still_signs_in(
        counting_hasher, client, tenant, app, phone_experience, sms_emulator, celery_worker, make_end_user):
    victim = make_end_user(tenant, username="victim", phone=PHONE)
    before = counting_hasher.hashes
    answers = [sign_in(client, tenant, app, identifier, f"guess{ip}-{n}", f"198.51.100.{ip}").status_code
               for ip in range(15) for n, identifier in enumerate(["victim", PHONE] * 5)]
    assert answers.count(400) == 10 and answers.count(429) == 140
    assert counting_hasher.hashes - before == 10
    locked = sign_in(client, tenant, app, "victim", PASSWORD, "203.0.113.9")
    assert locked.status_code == 429 and 0 < int(locked["Retry-After"]) <= 900
    assert "sign in with a verification code" in locked.content.decode()

    assert send_code(client, tenant, app, PHONE, ip="203.0.113.9").status_code == 302
    code, _template = code_from_emulator(sms_emulator, PHONE)
    done = verify(client, tenant, app, code)
    assert done.status_code == 302 and done["Location"].startswith("com.example.app://callback?code=")
    assert User.objects.get(pk=victim.pk).last_login is not None


@pytest.mark.django_db
def test_a_network_creating_many_accounts_is_stopped(counting_hasher, client, tenant, app):
    for n in range(10):
        assert register(client, tenant, app, f"bot{n}", "198.51.100.1").status_code == 302
        client.cookies.clear()
    refused = register(client, tenant, app, "bot10", "198.51.100.1")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many accounts were created from your network" in refused.content.decode()
    assert not User.objects.filter(tenant=tenant, username="bot10").exists()
    assert register(client, tenant, app, "bot10", "198.51.100.2").status_code == 302


@pytest.mark.django_db
def test_a_tenant_creating_too_many_accounts_pauses_sign_up(counting_hasher, client, tenant, app, monkeypatch):
    rates = ratelimit.RATES["register"]
    monkeypatch.setitem(ratelimit.RATES, "register", (rates[0], ratelimit.Rate(
        rates[1].scope, 3, rates[1].window, rates[1].message)))  # 1000 an hour, scaled down
    for n in range(3):
        assert register(client, tenant, app, f"new{n}", f"198.51.100.{n}").status_code == 302
        client.cookies.clear()
    refused = register(client, tenant, app, "new3", "203.0.113.1")
    assert refused.status_code == 429 and "Sign-up is paused" in refused.content.decode()


@pytest.mark.django_db(transaction=True)
def test_phone_registration_shares_the_network_limit_and_keeps_the_code(counting_hasher, client, tenant, app,
                                                                         phone_experience, sms_emulator,
                                                                         celery_worker):
    phone_experience.sign_up = {"identifiers": ["phone"], "password": False, "verify": True}
    phone_experience.sign_in_mode = "SignInAndRegister"
    phone_experience.save()
    for _ in range(10):  # ten accounts made from this network already
        ratelimit.consume(action="register", tenant=tenant.pk, ip="198.51.100.1")
    assert send_code(client, tenant, app, PHONE, ip="198.51.100.1").status_code == 302
    code, template = code_from_emulator(sms_emulator, PHONE)
    assert template == "2001"  # Register
    refused = client.post(page_url(tenant, app, "sign-in/verify"), {"code": code}, REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 429 and "Too many accounts were created" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert not User.objects.filter(tenant=tenant, phone=PHONE).exists()
    # The code was not spent: from another network the same person finishes signing up.
    done = client.post(page_url(tenant, app, "sign-in/verify"), {"code": code}, REMOTE_ADDR="198.51.100.2")
    assert done.status_code == 302 and User.objects.filter(tenant=tenant, phone=PHONE).exists()
