"""POSTERN_TRUSTED_PROXIES: whose X-Forwarded-For / X-Forwarded-Proto are believed (console.proxies)."""
import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from console.proxies import client_address
from tests.conftest import PASSWORD
from tests.hashing import counting_hasher  # noqa: F401 — a fixture

ROOT = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.5"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/24"),)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def sign_in(client, password, remote_addr, forwarded_for=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(reverse("accounts:login"), {"username": "mallory", "password": password},
                       REMOTE_ADDR=remote_addr, **extra)


@pytest.mark.django_db
def test_without_the_setting_forwarded_for_is_ignored(counting_hasher, client, make_admin):
    make_admin("mallory")
    for n in range(10):  # a new spoofed address every time buys nothing
        assert sign_in(client, "wrong", "198.51.100.1", f"203.0.113.{n}").status_code == 400
    assert sign_in(client, PASSWORD, "198.51.100.1", "203.0.113.99").status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(counting_hasher, client, make_admin,
                                                                           behind_proxy):
    make_admin("mallory")
    for n in range(10):  # the attacker spoofs the left hops; the proxy appends what it saw: 203.0.113.7
        assert sign_in(client, "wrong", PROXY, f"192.0.2.{n}, 203.0.113.7").status_code == 400
    locked = sign_in(client, PASSWORD, PROXY, "192.0.2.200, 203.0.113.7")
    assert locked.status_code == 429
    # Everyone else arrives through the same proxy and is not locked out with the attacker.
    assert sign_in(client, PASSWORD, PROXY, "203.0.113.8").status_code == 302


@pytest.mark.django_db
def test_a_peer_outside_the_trusted_networks_cannot_choose_its_address(counting_hasher, client, make_admin,
                                                                        behind_proxy):
    make_admin("mallory")
    for n in range(10):
        assert sign_in(client, "wrong", "198.51.100.1", f"10.0.0.{n}").status_code == 400
    assert sign_in(client, PASSWORD, "198.51.100.1", "10.0.0.99").status_code == 429


@pytest.mark.django_db
def test_https_is_believed_only_from_a_trusted_proxy(client, settings, behind_proxy):
    settings.SECURE_HSTS_SECONDS = 3600
    login = reverse("accounts:login")
    direct = client.get(login, REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_PROTO="https")
    proxied = client.get(login, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in direct.headers
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=3600")


@pytest.mark.parametrize("forwarded_for,client", [
    (None, PROXY),  # a trusted peer that forwards nothing is the client
    ("203.0.113.7", "203.0.113.7"),
    ("1.2.3.4, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two of our proxies, then the client
    ("10.0.0.8, 10.0.0.9", "10.0.0.8"),  # only our own hops: the left-most
    ("203.0.113.7, not-an-ip", PROXY),  # garbage from our proxy: stop at the proxy, never at a client's choice
])
def test_the_walk_from_the_peer_leftwards(forwarded_for, client):
    assert client_address(PROXY, forwarded_for, (ipaddress.ip_network("10.0.0.0/24"),)) == client


def test_the_setting_is_read_from_the_environment_and_refused_when_malformed():
    code = "from console import env; print(','.join(map(str, env.TRUSTED_PROXIES)))"
    env = dict(os.environ, POSTERN_TRUSTED_PROXIES="10.0.0.0/8, 192.168.1.7,fd00::/8")
    read = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert read.stdout.strip() == "10.0.0.0/8,192.168.1.7/32,fd00::/8"
    env["POSTERN_TRUSTED_PROXIES"] = "10.0.0.0/8,proxy.internal"
    bad = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "'proxy.internal' is not an IP address or CIDR" in bad.stderr
