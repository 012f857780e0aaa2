"""Simplified Chinese: the console and the hosted sign-in page speak it when asked, and only then."""
import gettext
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from tests.oidc.flows import authorize_params, pkce_pair

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def text(response):
    return response.content.decode()


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_catalogue_is_complete_compiled_and_keeps_placeholders(domain):
    po = (LOCALE / f"{domain}.po").read_text()
    assert "#, fuzzy" not in po
    assert re.search(r'^msgstr ""\n\n', po, re.M) is None, "an empty translation"
    catalog = gettext.GNUTranslations((LOCALE / f"{domain}.mo").open("rb"))._catalog
    entries = {k: v for k, v in catalog.items() if k}
    # The .mo is compiled from the current .po: same number of messages.
    assert len(entries) == len(re.findall(r"^msgid ", po, re.M)) - 1
    placeholder = re.compile(r"%\(\w+\)[sd]|%s|\{\w*\}|<code>|</code>")
    for msgid, msgstr in entries.items():
        msgid = msgid if isinstance(msgid, str) else msgid[0]
        assert msgstr.strip(), msgid
        assert sorted(placeholder.findall(msgid)) == sorted(placeholder.findall(msgstr)), msgid


def test_applications_list_in_chinese(admin_client, tenant):
    response = admin_client.get(f"/console/t/{tenant.id}/applications", **ZH)
    assert response.status_code == 200
    body = text(response)
    assert '<html lang="zh-hans">' in body
    assert "<h1>应用</h1>" in body
    assert "创建应用" in body
    assert "暂无应用。" in body
    assert "退出登录" in body and "审计日志" in body and "登录体验" in body
    assert "Create application" not in body


def test_applications_list_stays_english_without_a_preference(admin_client, tenant):
    body = text(admin_client.get(f"/console/t/{tenant.id}/applications"))
    assert "Create application" in body
    assert "创建应用" not in body


def test_console_sign_in_page_in_chinese(client, db):
    response = client.get("/console/sign-in", **ZH)
    assert response.status_code == 200
    body = text(response)
    assert "登录控制台" in body
    assert "用户名" in body and "密码" in body
    assert "Sign in to the console" not in body


def test_console_sign_in_error_from_python_in_chinese(client, admin):
    response = client.post("/console/sign-in", {"username": admin.username, "password": "wrong wrong"}, **ZH)
    assert "用户名或密码错误。" in text(response)


@pytest.fixture
def hosted_url(tenant, admin, make_app):
    app = make_app(tenant, admin)

    def url(ui_locales):
        return f"/t/{tenant.id}/sign-in?{urlencode(authorize_params(app, pkce_pair()[1], ui_locales=ui_locales))}"

    return url


def test_hosted_sign_in_in_chinese_with_ui_locales(client, hosted_url):
    response = client.get(hosted_url("zh-Hans"))
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    body = text(response)
    assert '<html lang="zh-hans"' in body
    assert "以继续使用 Bookstore" in body
    assert ">登录</button>" in body
    assert "创建账号" in body
    assert "to continue to" not in body


def test_hosted_sign_in_ui_locales_en_beats_chinese_accept_language(client, hosted_url):
    response = client.get(hosted_url("en"), **ZH)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    body = text(response)
    assert "to continue to Bookstore" in body
    assert ">Sign in</button>" in body
    assert "以继续使用" not in body and "创建账号" not in body


def test_hosted_sign_in_follows_accept_language_without_ui_locales(client, hosted_url):
    response = client.get(hosted_url(None), **ZH)
    assert response["Content-Language"] == "zh-hans"
    assert "以继续使用 Bookstore" in text(response)


def test_set_language_sets_the_cookie_and_later_pages_are_chinese(admin_client, tenant):
    response = admin_client.post("/i18n/setlang", {"language": "zh-hans", "next": "/console/"})
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    # No Accept-Language: the cookie alone chooses Chinese.
    body = text(admin_client.get(f"/console/t/{tenant.id}/applications"))
    assert "创建应用" in body and "<h1>应用</h1>" in body
    body = text(admin_client.get("/console/", follow=True))
    assert '<html lang="zh-hans">' in body
    # And back to English.
    admin_client.post("/i18n/setlang", {"language": "en", "next": "/console/"})
    assert "Create application" in text(admin_client.get(f"/console/t/{tenant.id}/applications"))


def test_every_string_marked_for_translation_has_a_chinese_translation(tmp_path):
    """The catalogue is regenerated from the code (makemessages on a copy of the tree): a string marked in Python or
    a template but missing from the zh-Hans catalogue, or only guessed (fuzzy), fails here."""
    import shutil
    import subprocess
    import sys

    root = Path(settings.BASE_DIR)
    copy = tmp_path / "tree"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", ".venv", "data", "node_modules", "tests",
                                                              "bench", "__pycache__", "*.mo"))
    env = {"PATH": "/usr/bin:/bin", "POSTERN_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    untranslated = []
    for domain in ("django", "djangojs"):  # templates and Python; the console's scripts (static/postern/*.js)
        subprocess.run([sys.executable, "manage.py", "makemessages", "-d", domain, "-l", "zh_Hans", "--no-obsolete",
                        "-v", "0"], cwd=copy, env=env, check=True, capture_output=True)
        po = (copy / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po").read_text()
        entries = po.split("\n\n")[1:]
        untranslated += [entry for entry in entries
                         if "#, fuzzy" in entry or re.search(r'^msgstr(\[0\])? ""\Z', entry.strip(), re.M)]
    assert untranslated == []


def test_the_consoles_scripts_get_their_strings_in_chinese(admin_client, tenant):
    """static/postern/*.js words what it shows with gettext(): Django's JavaScript catalogue, in the page's
    language, loaded by every console page before the scripts."""
    page = text(admin_client.get(f"/console/t/{tenant.id}/applications", **ZH))
    assert page.index('<script src="/i18n/js" defer></script>') < page.index("postern/console.js")
    catalogue = text(admin_client.get("/i18n/js", **ZH))
    assert '"Queued": "\\u6392\\u961f\\u4e2d"' in catalogue or '"Queued": "排队中"' in catalogue
    assert "排队中" not in text(admin_client.get("/i18n/js"))


def test_the_consoles_scripts_show_no_words_outside_gettext():
    """A sentence written into static/postern/*.js outside gettext() would stay English in zh-Hans; words for
    people are either wrapped or come from the page (the templates translate them)."""
    sentence = re.compile(r"""(?<![\w$.])(["'`])([A-Z][a-z]+(?:[ ,.:!?…][^"'`\n]*)?)\1""")
    found = []
    for script in sorted((Path(settings.BASE_DIR) / "static" / "postern").glob("*.js")):
        for number, line in enumerate(script.read_text().splitlines(), 1):
            code = "" if line.strip().startswith("//") else line.split(" // ")[0]
            for match in sentence.finditer(code):
                words = match.group(2)
                if " " not in words and not words.endswith("."):
                    continue  # a key name ("Escape") or a single identifier
                if re.search(r"\b(?:n?gettext|interpolate)\((?:[^()]*,\s*)?$", code[:match.start()]):
                    continue
                found.append(f"{script.name}:{number}: {words}")
    assert found == []
