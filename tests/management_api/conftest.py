"""A tenant and a Management API caller: a machine-to-machine app with access, its token from the real token
endpoint, and JSON calls through Django's test client on the code path scripts hit."""
import json
from dataclasses import dataclass

import pytest

from console.applications.services import application_create


@dataclass
class ManagementApi:
    client: object
    tenant: object
    app: object
    secret: str
    token: str

    @property
    def base(self):
        return f"/t/{self.tenant.pk}/api"

    def call(self, method, path, body=None, *, token=None, **headers):
        """(status, parsed JSON or None, response) of `method path` with this caller's token (or `token`; ""
        sends no Authorization header)."""
        token = self.token if token is None else token
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        kwargs.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        if body is not None:
            kwargs.update(data=json.dumps(body) if not isinstance(body, (bytes, str)) else body,
                          content_type="application/json")
        response = getattr(self.client, method.lower())(f"{self.base}{path}", **kwargs)
        try:
            parsed = json.loads(response.content) if response.content else None
        except ValueError:
            parsed = None
        return response.status_code, parsed, response


def management_token(client, tenant, app, secret, *, scope="all", resource=None):
    response = client.post(f"/t/{tenant.pk}/oidc/token", {
        "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret,
        "resource": resource or tenant.management_api_indicator, "scope": scope})
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def make_management_api(client, make_admin, make_tenant):
    """make(access="all", tenant=None) → ManagementApi for a new M2M app of `tenant` (a new tenant by default);
    `.owner` is that tenant's console admin."""

    def make(access="all", tenant=None, scope="all"):
        owner = make_admin()
        tenant = tenant or make_tenant(owner)
        app, secret = application_create(tenant=tenant, name=f"Provisioning {access}", framework="m2m",
                                         acting_user=owner, management_api_access=access)
        api = ManagementApi(client, tenant, app, secret, management_token(client, tenant, app, secret, scope=scope))
        api.owner = owner
        return api

    return make


@pytest.fixture
def mapi(make_management_api):
    return make_management_api()
