import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def oidc_setup(live_server, settings, make_admin, make_tenant, make_app, make_end_user):
    """A tenant served by the live server, its Capacitor app and an end user."""
    settings.PUBLIC_URL = live_server.url
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="Bookshop")
    app = make_app(tenant, owner, allowed_origins=["capacitor://localhost", "http://localhost"])
    user = make_end_user(tenant, username="reader", name="Rita Reader", email="rita@example.com",
                         phone="+8613800138000", phone_verified=True)

    class Setup:
        pass

    setup = Setup()
    setup.tenant, setup.app, setup.user, setup.owner = tenant, app, user, owner
    setup.endpoint = tenant.endpoint
    setup.client_config = {
        "endpoint": tenant.endpoint, "appId": app.client_id,
        "redirectUri": "com.example.app://callback",
        "postSignOutRedirectUri": "com.example.app://callback/sign-out",
        "identifier": "reader", "password": PASSWORD,
    }
    return setup


@pytest.fixture
def setup(settings, make_admin, make_tenant, make_app, make_end_user):
    """Tenant A served at the test client's address, its native app and an end user "reader": (tenant, app, user,
    owner)."""
    settings.PUBLIC_URL = "http://testserver"
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="A")
    app = make_app(tenant, owner)
    user = make_end_user(tenant, username="reader")
    return tenant, app, user, owner
