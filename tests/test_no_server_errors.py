"""No input answers 5xx: every public tenant URL and every console list filter, driven with arbitrary text.

Each example starts from a request that works (a valid authorization request, token grant or filter) and replaces
or adds a few parameters, so the text reaches the code behind the first check; NUL, unicode, long values and the
values that once answered 500 are drawn often. Runs on the suite's database (PostgreSQL in `make test`).
"""
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from connectors.services import connector_create, connector_set_enabled
from signin_experience.selectors import experience_for
from tests.conftest import PASSWORD
from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = pytest.mark.django_db

FUZZ_SETTINGS = hypothesis_settings(max_examples=100, deadline=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SEEN_500 = ["\x00", "a\x00b", "%00", "n" * 256, "c" * 129, "c" * 42, "https://api.example", "urn:x",
            "urn:ietf:params:oauth:grant-type:device_code", "password", "[" * 1000, '{"a":' * 600]
ODD = ["", " ", "é", "😀", "\u202e", "\ufeff", "'", '"', "\\", "<script>", "-1", "0", "1e309", "99999999999999999999",
       "2026-13-45", "+86 138 0013 8000", "+1", "null", "true", "[]", "{}", "../", "%", "%zz", "\r\n", "\t"]
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
# Long values (past 255 and 128 characters) by repetition: cheap to generate and to shrink.
VALUE = st.one_of(TEXT, st.sampled_from(SEEN_500 + ODD), TEXT.map(lambda text: text * 13))


def mutated(base, names):
    """A strategy for `base` with some keys replaced, added (known names or arbitrary ones) or removed."""
    known = sorted(set(names) | set(base))
    keys = st.one_of(st.sampled_from(known), TEXT) if known else TEXT
    return st.tuples(st.dictionaries(keys, VALUE, max_size=4),
                     st.lists(st.sampled_from(sorted(base)), max_size=2) if base else st.just([])).map(
        lambda change: {k: v for k, v in {**base, **change[0]}.items() if k not in change[1] or k in change[0]})


@pytest.fixture
def world(settings, make_admin, make_tenant, make_app, make_end_user, tencent_config):
    """A tenant with a public and a confidential app, an end user, phone + username sign-in and registration, an
    enabled SMS connector (no SMS leaves: on_commit never runs in these tests), and a pending code flow."""
    settings.PUBLIC_URL = "http://testserver"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # hashing is not under test
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="Fuzz")
    app = make_app(tenant, owner)
    confidential = make_app(tenant, owner, framework="django", name="Web",
                            redirect_uris=["https://app.example/cb"], post_logout_redirect_uris=[])
    make_end_user(tenant, username="reader", phone="+8613800138000", phone_verified=True)
    experience = experience_for(tenant)
    experience.sign_up = {"identifiers": ["username", "phone"], "password": True, "verify": True}
    experience.sign_in = {"methods": [
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
        {"identifier": "phone", "password": True, "verificationCode": True, "isPasswordPrimary": False},
    ]}
    experience.forgot_password_methods = ["PhoneVerificationCode"]
    experience.code_policy = dict(experience.code_policy, resendCooldownSeconds=0)
    experience.save()
    connector = connector_create(tenant=tenant, acting_user=owner, provider_key="tencent", config=tencent_config)
    connector_set_enabled(connector=connector, enabled=True, acting_user=owner)

    class World:
        pass

    world = World()
    world.tenant, world.app, world.confidential, world.owner = tenant, app, confidential, owner
    world.auth = authorize_params(app, pkce_pair()[1], nonce="n0nce")
    return world


def _public_requests(world):
    t, app, auth = world.tenant.id, world.app, world.auth
    code_grant = {"grant_type": "authorization_code", "code": "abc", "code_verifier": "v" * 43,
                  "redirect_uri": app.redirect_uri_list[0], "client_id": app.client_id}
    refresh = {"grant_type": "refresh_token", "refresh_token": "abc", "client_id": app.client_id}
    # (method, path, base query, base form, extra parameter names)
    oidc = f"/t/{t}/oidc"
    return [
        ("GET", f"{oidc}/.well-known/openid-configuration", {}, None, []),
        ("GET", f"{oidc}/jwks", {}, None, []),
        ("GET", f"{oidc}/auth", auth, None, ["resource", "nonce", "code_challenge", "prompt", "ui_locales",
                                               "claims", "request", "max_age", "login_hint", "id_token_hint"]),
        ("POST", f"{oidc}/auth", {}, auth, ["resource", "nonce", "code_challenge"]),
        ("POST", f"{oidc}/token", {}, code_grant, ["resource", "scope", "client_secret", "device_code"]),
        ("POST", f"{oidc}/token", {}, refresh, ["resource", "scope"]),
        ("POST", f"{oidc}/token", {}, {"grant_type": "client_credentials", "client_id": world.confidential.client_id,
                                       "client_secret": "wrong"}, ["scope", "resource"]),
        ("GET", f"{oidc}/me", {"access_token": "abc"}, None, []),
        ("POST", f"{oidc}/me", {}, {"access_token": "abc"}, []),
        ("POST", f"{oidc}/token/revocation", {}, {"token": "abc", "client_id": app.client_id},
         ["token_type_hint"]),
        ("POST", f"{oidc}/token/introspection", {}, {"token": "abc", "client_id": world.confidential.client_id,
                                                     "client_secret": "wrong"}, ["token_type_hint"]),
        ("GET", f"{oidc}/session/end", {"client_id": app.client_id,
                                        "post_logout_redirect_uri": "com.example.app://callback/sign-out"},
         None, ["id_token_hint", "state", "ui_locales"]),
        ("POST", f"{oidc}/session/end", {}, {"client_id": app.client_id}, ["id_token_hint", "state"]),
        ("GET", f"/t/{t}/sign-in", auth, None, ["lang", "ui_locales"]),
        ("POST", f"/t/{t}/sign-in", auth, {"identifier": "reader", "password": PASSWORD}, []),
        ("POST", f"/t/{t}/sign-in/code", auth, {"phone": "+8613800138000"}, ["recover", "agree"]),
        ("GET", f"/t/{t}/sign-in/verify", auth, None, []),
        ("POST", f"/t/{t}/sign-in/verify", auth, {"code": "123456"}, []),
        ("POST", f"/t/{t}/sign-in/resend", auth, {}, []),
        ("GET", f"/t/{t}/sign-in/password", auth, None, []),
        ("POST", f"/t/{t}/sign-in/password", auth, {"password": "a new password 1"}, []),
        ("GET", f"/t/{t}/register", auth, None, []),
        ("POST", f"/t/{t}/register", auth, {"username": "newbie", "password": "a new password 1", "agree": "on"},
         []),
        ("GET", f"/t/{t}/forgot-password", auth, None, []),
        ("POST", f"/t/{t}/forgot-password", auth, {}, []),
    ]


def _send(client, method, path, query, form, **headers):
    if method == "GET":
        return client.get(path, query, **headers)
    url = f"{path}?{_encode(query)}" if query else path
    return client.post(url, form or {}, **headers)


def _encode(query):
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items())


def _assert_no_server_error(response, method, path, query, form):
    assert response.status_code < 500, (method, path, query, form, response.content[:300])


def test_public_urls_never_answer_5xx(client, world):
    requests = _public_requests(world)
    # A pending code flow in this browser, so verify / resend / set password get past "request a code first".
    client.post(f"/t/{world.tenant.id}/sign-in/code?{_encode(world.auth)}", {"phone": "+8613800138000"})

    def variations(request):
        method, path, query, form, names = request
        return st.tuples(st.just(method), st.just(path), mutated(query, names if form is None else []),
                         st.none() if form is None else mutated(form, names))

    # Every example sends one variation to each URL of a group, so each URL is driven as often as the others.
    def drive(group):
        @FUZZ_SETTINGS
        @given(st.tuples(*[st.tuples(variations(request), st.one_of(st.none(), VALUE), st.booleans(),
                                     st.integers(1, 250), st.integers(0, 19)) for request in group]))
        def send_all(drawn):
            for (method, path, query, form), header, bearer, ip, chance in drawn:
                headers = {"REMOTE_ADDR": f"10.0.{ip // 100}.{ip}"}
                if header is not None:
                    headers["HTTP_AUTHORIZATION"] = ("Bearer " if bearer else "Basic ") + header
                if chance == 19:  # now and then the tenant ID in the path is the arbitrary text
                    path = path.replace(f"/t/{world.tenant.id}/", f"/t/{quote(header or '', safe='')}/", 1)
                response = _send(client, method, path, query, form, **headers)
                _assert_no_server_error(response, method, path, query, form)

        send_all()

    for start in range(0, len(requests), 5):
        drive(requests[start:start + 5])


def _console_lists(world):
    t = world.tenant.id
    return [
        ("/console/", {}),
        ("/console/tenants", {}),
        ("/console/switch", {"tenant": t}),
        (f"/console/t/{t}/applications", {"page": "1", "type": "native"}),
        (f"/console/t/{t}/applications/new", {"framework": "capacitor-js"}),
        (f"/console/t/{t}/applications/{world.app.client_id}", {}),
        (f"/console/t/{t}/users", {"q": "reader", "page": "1"}),
        (f"/console/t/{t}/audit", {"action": "application", "actor": "owner", "page": "1"}),
        (f"/console/t/{t}/audit/activity", {"user": "reader", "kind": "failed", "page": "1"}),
        (f"/console/t/{t}/connectors", {}),
        (f"/console/t/{t}/connectors/new", {"provider": "tencent"}),
        (f"/console/t/{t}/messages", {"status": "SENT", "purpose": "SignIn", "phone": "+8613800138000",
                                      "date_from": "2026-01-01", "date_to": "2026-12-31", "page": "1"}),
        (f"/console/t/{t}/settings", {}),
        (f"/console/t/{t}/sign-in-experience", {}),
        (f"/console/t/{t}/sign-in-experience/preview", {"lang": "zh-Hans", "theme": "dark"}),
        ("/console/sign-in", {"next": "/console/"}),
    ]


def test_console_list_filters_never_answer_5xx(client, world):
    client.force_login(world.owner)
    pages = _console_lists(world)

    @FUZZ_SETTINGS
    @given(st.tuples(*[mutated(query, ["q", "page", "type"]) for _path, query in pages]))
    def drive(queries):
        for (path, _query), query in zip(pages, queries):
            response = client.get(path, query)
            _assert_no_server_error(response, "GET", path, query, None)

    drive()
