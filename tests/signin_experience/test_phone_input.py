"""The hosted page's phone input: a country picker of the allowed destination countries, the default country first;
the number is read as dialled in the chosen country, and the code page shows it formatted."""
import re
from urllib.parse import urlencode

import pytest

from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_countries(phone_experience, tencent_connector):
    phone_experience.code_policy = dict(phone_experience.code_policy, allowedCountries=["HK", "CN"])
    phone_experience.save()
    tencent_connector.config = dict(tencent_connector.config, internationalTemplates=[
        {"templateCode": str(3000 + n), "usageType": usage}
        for n, usage in enumerate(("Register", "SignIn", "ForgotPassword", "Generic"))])
    tencent_connector.save()
    return phone_experience


def pages(client, tenant, app, **extra):
    query = urlencode(authorize_params(app, pkce_pair()[1], **extra))
    stash = client.get(f"/t/{tenant.id}/oidc/auth?{query}")["Location"].split("authz=")[1]
    return f"/t/{tenant.id}/sign-in?authz={stash}", f"/t/{tenant.id}/sign-in/code?authz={stash}", \
        f"/t/{tenant.id}/sign-in/verify?authz={stash}"


def options(body):
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', body, re.S).group(1)
    return re.findall(r'<option value="(\w+)"( selected)?>([^<]*)</option>', select)


def test_the_picker_lists_the_allowed_countries_with_the_default_first(client, tenant, app, two_countries):
    sign_in, _code, _verify = pages(client, tenant, app)
    assert options(client.get(sign_in).content.decode()) == [("CN", " selected", "China +86"),
                                                              ("HK", "", "Hong Kong +852")]
    sign_in, _code, _verify = pages(client, tenant, app, ui_locales="zh-Hans")
    assert options(client.get(sign_in).content.decode())[0] == ("CN", " selected", "中国 +86")


def test_a_number_is_read_in_the_chosen_country_and_shown_formatted(client, tenant, app, two_countries):
    _sign_in, code, verify = pages(client, tenant, app)
    sent = client.post(code, {"country": "HK", "phone": "6123 4567"})
    assert sent.status_code == 302, sent.content.decode()[-800:]
    assert client.session[f"postern.flow.{tenant.pk}"]["phone"] == "+85261234567"
    body = client.get(verify).content.decode()
    assert '<span class="signin-phone-shown">+852 6123 4567</span>' in body
    # A number typed with its country code keeps it, whatever the picker says.
    client.post(code, {"country": "HK", "phone": "+86 139 0013 9001"})
    assert client.session[f"postern.flow.{tenant.pk}"]["phone"] == "+8613900139001"
    assert "+86 139 0013 9001" in client.get(verify).content.decode()


def test_without_a_country_the_tenants_default_country_is_used(client, tenant, app, two_countries):
    _sign_in, code, _verify = pages(client, tenant, app)
    assert client.post(code, {"phone": "139 0013 9001"}).status_code == 302
    assert client.session[f"postern.flow.{tenant.pk}"]["phone"] == "+8613900139001"


def test_a_country_outside_the_list_is_refused(client, tenant, app, two_countries):
    _sign_in, code, _verify = pages(client, tenant, app)
    refused = client.post(code, {"country": "US", "phone": "201 555 0123"})
    assert refused.status_code == 400 and refused["X-Postern-Error"] == "phone.country_not_supported"
    assert "This country is not supported." in refused.content.decode()
    assert f"postern.flow.{tenant.pk}" not in client.session
