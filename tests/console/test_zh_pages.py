"""Every console page and every hosted page, rendered in zh-Hans, shows no English word of the English catalogue.

The words are derived from the zh-Hans catalogue: each English word of a msgid that no translation keeps (a word a
translation keeps, such as Capacitor or SecretId, is a name, not English to translate), minus ALLOWED. What is
scanned is what a person reads: text and the title, placeholder, aria-label and alt attributes, outside code
(<code>, <pre>, <textarea>, scripts and styles), which shows identifiers, URLs and JSON as they are.

The console's URL conf is walked (every GET answering HTML, with one object of each kind); the hosted pages are
every step of the sign-in, its error, the front door and sign-out pages.
"""
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from tests.oidc.flows import authorize_params, pkce_pair
from tests.urlconf import fill, routes

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
# Names that stay as they are in Chinese text: brands (Tencent Cloud), protocols and their abbreviations (lower case).
ALLOWED = {"postern", "tencent", "cloud", "logto", "sms", "oidc", "oauth", "uri", "uris", "url", "urls", "json", "api",
           "http", "https", "pkce", "sdk", "jwks", "jwt", "csv", "ip", "id", "ids", "utc", "iso", "app", "appid"}
PLACEHOLDERS = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|<[^>]+>|&\w+;|\{\w*\}")
WORD = re.compile(r"[A-Za-z]{3,}")
HIDDEN = {"code", "pre", "textarea", "script", "style", "kbd", "samp"}
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm", "data-copied-label")


def _words(text):
    return {word.lower() for word in WORD.findall(PLACEHOLDERS.sub(" ", text))}


def english_words():
    catalog = {}
    for domain in ("django", "djangojs"):
        with (LOCALE / f"{domain}.mo").open("rb") as mo:
            catalog.update({k if isinstance(k, str) else k[0]: v for k, v in
                            gettext.GNUTranslations(mo)._catalog.items() if k})
    kept = set().union(*(_words(msgstr) for msgstr in catalog.values()))
    return set().union(*(_words(msgid) for msgid in catalog)) - kept - ALLOWED


class ReadableText(HTMLParser):
    """The text a person reads; code, and elements marked translate="no" (product names), left out."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.skipping = None  # [tag, depth] of the element being left out
        self.parts = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping[1] += 1
            return
        if (tag in HIDDEN or values.get("translate") == "no") and tag not in self.VOID:
            self.skipping = [tag, 1]
            return
        self.parts += [values[name] for name in READ_ATTRIBUTES if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[0]:
            self.skipping[1] -= 1
            if not self.skipping[1]:
                self.skipping = None

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def english_on(html, words):
    parser = ReadableText()
    parser.feed(html)
    found = {}
    for part in parser.parts:
        for word in WORD.findall(part):
            if word.lower() in words:
                found.setdefault(word, part.strip()[:120])
    return found


@pytest.fixture
def words():
    found = english_words()
    assert len(found) > 300, "the catalogue should give hundreds of English words"
    return found


@pytest.fixture
def seeded(make_admin, make_tenant, make_app, make_end_user):
    """A tenant with one object of each kind, named in Chinese (names are data, not translations)."""
    from tests.console import isolation_objects

    owner = make_admin("主管")
    tenant = make_tenant(owner, name="书店")
    app = make_app(tenant, owner, name="书店应用")
    user = make_end_user(tenant, username="读者", phone="+8613800138000")
    values = {"tenant_id": tenant.pk, "app_id": app.client_id, "user_id": user.uid}
    values.update(isolation_objects.make_all(tenant, owner))
    return owner, tenant, app, values


def test_the_scan_finds_english(words):
    """The scan itself: an untranslated sentence is caught, code and names are not."""
    assert english_on("<p>Save changes</p>", words) == {"Save": "Save changes", "changes": "Save changes"}
    assert english_on("<p>保存 <code>redirect_uris</code> Postern Tencent</p>", words) == {}
    assert english_on('<p>框架 <span translate="no">React Native</span> 与 <b>Next</b></p>', words) == {"Next": "Next"}
    assert "Copy" in english_on('<button aria-label="Copy"></button>', words)


def _console_english(client, owner, values, words):
    client.force_login(owner)
    client.post("/i18n/setlang", {"language": "zh-hans", "next": "/console/"})
    scanned, english = [], {}
    for route in routes("console/"):
        if route.name in ("accounts:logout", "tenants:switch"):
            continue
        url = fill(route, values)
        response = client.get(url, **ZH)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        scanned.append(route.name)
        found = english_on(response.content.decode(), words)
        if found:
            english[url] = found
    return scanned, english


def test_every_console_page_in_chinese(client, seeded, words):
    owner, _tenant, _app, values = seeded
    scanned, english = _console_english(client, owner, values, words)
    assert len(scanned) >= 15, scanned
    assert english == {}


def _hosted_pages(client, tenant, app):
    """(name, response) for every page of the hosted sign-in, in Chinese."""
    pages = []
    query = urlencode(authorize_params(app, pkce_pair()[1], ui_locales="zh-Hans"))
    sign_in = client.get(f"/t/{tenant.id}/oidc/auth?{query}")
    stash = sign_in["Location"].split("authz=")[1]
    base = f"/t/{tenant.id}"
    pages.append(("front door", client.get(base, **ZH)))
    pages.append(("sign-in without an app", client.get(f"{base}/sign-in", **ZH)))
    pages.append(("sign-in", client.get(f"{base}/sign-in?authz={stash}")))
    pages.append(("wrong password", client.post(f"{base}/sign-in?authz={stash}",
                                                {"identifier": "读者", "password": "wrong"})))
    pages.append(("forgot password", client.post(f"{base}/forgot-password?authz={stash}")))
    pages.append(("bad phone", client.post(f"{base}/sign-in/code?authz={stash}", {"phone": "12"})))
    sent = client.post(f"{base}/sign-in/code?authz={stash}", {"phone": "139 0013 9001", "country": "CN", "agree": "on"})
    assert sent.status_code == 302, (sent.get("X-Postern-Error"), sent.content.decode()[-1500:])
    pages.append(("verify", client.get(f"{base}/sign-in/verify?authz={stash}")))
    pages.append(("wrong code", client.post(f"{base}/sign-in/verify?authz={stash}", {"code": "000000"})))
    session = client.session
    session[f"postern.flow.{tenant.pk}"] = dict(session[f"postern.flow.{tenant.pk}"], verified=True)
    session.save()
    pages.append(("set password", client.get(f"{base}/sign-in/password?authz={stash}")))
    mismatch = urlencode(authorize_params(app, pkce_pair()[1], redirect_uri="com.example.other://cb"))
    pages.append(("error", client.get(f"{base}/sign-in?{mismatch}", **ZH)))
    pages.append(("error at /auth", client.get(f"{base}/oidc/auth?{mismatch}", **ZH)))
    pages.append(("expired", client.get(f"{base}/sign-in?authz=gone", **ZH)))
    pages.append(("sign out", client.get(f"{base}/oidc/session/end", **ZH)))
    return pages


def test_every_hosted_page_in_chinese(client, seeded, words):
    from connectors.models import Connector
    from signin_experience.selectors import experience_for

    owner, tenant, app, _values = seeded
    Connector.objects.filter(tenant=tenant).update(enabled=True)
    experience = experience_for(tenant)
    experience.sign_up = {"identifiers": ["phone"], "password": True, "verify": True}
    experience.sign_in = {"methods": [
        {"identifier": "phone", "password": True, "verificationCode": True, "isPasswordPrimary": False},
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True}]}
    experience.forgot_password_methods = ["PhoneVerificationCode"]
    experience.terms_of_use_url = "https://example.com/terms"
    experience.save()
    english = {}
    for name, response in _hosted_pages(client, tenant, app):
        assert response.status_code < 500 and "text/html" in response["Content-Type"], name
        assert 'lang="zh-hans"' in response.content.decode(), name
        found = english_on(response.content.decode(), words)
        if found:
            english[name] = found
    # Username registration is a page of its own when username is the sign-up identifier.
    experience.sign_up = {"identifiers": ["username"], "password": True, "verify": False}
    experience.save()
    query = urlencode(authorize_params(app, pkce_pair()[1], ui_locales="zh-Hans"))
    register = client.get(f"/t/{tenant.id}/register?{query}")
    assert register.status_code == 200
    english.update({"username registration": found} if (found := english_on(register.content.decode(), words))
                   else {})
    assert english == {}
