"""Console sign-in abuse limits: per username + IP and per IP, failures only, checked before any hashing."""
import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.hashing import counting_hasher  # noqa: F401 — a fixture

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, ip):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_wrong_passwords_from_other_ips_never_lock_the_admin_out(counting_hasher, client, make_admin):
    make_admin("mallory")
    for n in range(11):
        assert sign_in(client, "mallory", "wrong", f"198.51.100.{n}").status_code == 400
    response = sign_in(client, "mallory", PASSWORD, "203.0.113.12")
    assert response.status_code == 302 and response["Location"] == reverse("tenants:home")


def test_ten_wrong_passwords_from_one_ip_lock_that_ip_out_of_that_account_without_hashing(
        counting_hasher, client, make_admin):
    make_admin("mallory")
    for _ in range(10):
        assert sign_in(client, "mallory", "wrong", "198.51.100.1").status_code == 400
    hashed = counting_hasher.hashes
    refused = sign_in(client, "mallory", PASSWORD, "198.51.100.1")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 900
    assert "Too many failed sign-ins. Try again in" in refused.content.decode()
    assert counting_hasher.hashes == hashed  # refused before the password was hashed
    assert sign_in(client, "mallory", PASSWORD, "198.51.100.2").status_code == 302


def test_successful_sign_ins_do_not_count(counting_hasher, client, make_admin):
    make_admin("mallory")
    for _ in range(12):
        assert sign_in(client, "mallory", PASSWORD, "198.51.100.1").status_code == 302
        client.post(reverse("accounts:logout"))
    for _ in range(9):
        assert sign_in(client, "mallory", "wrong", "198.51.100.1").status_code == 400
    assert sign_in(client, "mallory", PASSWORD, "198.51.100.1").status_code == 302


def test_one_ip_trying_many_usernames_is_stopped(counting_hasher, client, make_admin):
    make_admin("mallory")
    answers = [sign_in(client, f"guess{n}", "wrong", "198.51.100.1").status_code for n in range(31)]
    assert answers == [400] * 30 + [429]
    refused = sign_in(client, "mallory", PASSWORD, "198.51.100.1")
    assert refused.status_code == 429 and "from your network" in refused.content.decode()
    assert sign_in(client, "mallory", PASSWORD, "198.51.100.2").status_code == 302
