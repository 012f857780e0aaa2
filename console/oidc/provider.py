"""The OIDC provider of one tenant: oauthlib's server with a tenant-bound validator, and the authorization
request life cycle shared by the authorization endpoint (SSO) and the hosted sign-in page."""
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.settings import oauth2_settings
from oauthlib import oauth2
from oauthlib.common import Request as OauthlibRequest, generate_token

from console.oidc import pkce
from console.oidc.grants import GRANT_TYPES
from console.oidc.resources import INVALID_TARGET, resource_refusal
from console.oidc.validators import TenantValidator


# oauthlib's server answers the authorization endpoint and revocation (the token endpoint is console.oidc.grants).
# It and its grant objects keep no request state, so one is built per tenant object and kept as long as that
# object is the one tenant_or_404 hands out (its own few seconds of process memory).
_CORES = {}
_CORES_KEPT = 1000


def oauth_core_for(tenant):
    kept = _CORES.get(tenant.pk)
    if kept is not None and kept[0] is tenant:
        return kept[1]
    server = oauth2_settings.OAUTH2_SERVER_CLASS(TenantValidator(tenant), **oauth2_settings.server_kwargs)
    server._grant_types = {name: grant for name, grant in server.grant_types.items() if name in GRANT_TYPES}
    core = OAuthLibCore(server)
    if len(_CORES) >= _CORES_KEPT:
        _CORES.clear()
    _CORES[tenant.pk] = (tenant, core)
    return core


class AuthorizationError(Exception):
    """`redirect_uri` is None when the client or redirect URI cannot be trusted: show a page, never redirect."""

    def __init__(self, error, description, redirect_uri=None):
        super().__init__(description)
        self.error, self.description, self.redirect_uri = error, description, redirect_uri


@dataclass
class AuthorizationRequest:
    query: str
    scopes: list
    credentials: dict
    prompt: set
    client: object
    max_age: int = None

    @property
    def client_name(self):
        return self.client.name

    @property
    def forces_sign_in(self):
        # select_account: a tenant session holds one account, so signing in is how the person picks another.
        return bool(self.prompt & {"login", "select_account"})

    def as_stash(self):
        """A JSON-safe copy (for the session); `authorization_from_stash` reverses it."""
        credentials = {key: sorted(value) if isinstance(value, set) else value
                       for key, value in self.credentials.items() if key != "request"}
        return {"query": self.query, "scopes": list(self.scopes), "credentials": credentials,
                "prompt": sorted(self.prompt), "max_age": self.max_age}


def authorization_from_stash(tenant, data):
    """The stashed request with its app loaded again, or None when the app is gone from the tenant."""
    client_id = data["credentials"]["client_id"]
    client = TenantValidator(tenant)._load_application(client_id, OauthlibRequest(""))
    if client is None:
        return None
    return AuthorizationRequest(query=data["query"], scopes=data["scopes"], credentials=data["credentials"],
                                prompt=set(data["prompt"]), client=client, max_age=data["max_age"])


def add_query(uri, params):
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _authorize_uri(tenant, query):
    return f"{tenant.issuer}/auth?{query}"


def _redirect_error(tenant, error, description, redirect_uri, state):
    params = {"error": error, "error_description": description, "iss": tenant.issuer}
    if state:
        params["state"] = state
    return AuthorizationError(error, description, add_query(redirect_uri, params))


# The Grant row's nonce column (varchar(255)): checked here, as the code challenge is (console.oidc.pkce), so a bad
# request is refused before the sign-in page, not by the database after the password.
NONCE_MAX_CHARS = 255
# OpenID Connect Core §3.1.2.1; discovery lists them (prompt_values_supported, response_modes_supported).
PROMPT_VALUES = ("none", "login", "consent", "select_account")
RESPONSE_MODES = ("query",)


def _prompt_refusal(prompt):
    unknown = sorted(prompt - set(PROMPT_VALUES))
    if unknown:
        return "invalid_request", f"prompt {unknown[0]!r} is not supported"
    if "none" in prompt and len(prompt) > 1:
        return "invalid_request", "prompt none cannot be combined with other values"
    return None


def _max_age(values):
    """The max_age parameter in seconds, None when absent; ValueError when it is not a non-negative integer."""
    raw = values.get("max_age")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(raw)
    return int(raw)


def _parameter_refusal(tenant, params):
    """(error, description) for an authorization request oauthlib accepts but Postern cannot honour, or None."""
    values = dict(params)
    refusal = _prompt_refusal(set((values.get("prompt") or "").split()))
    if refusal:
        return refusal
    try:
        _max_age(values)
    except ValueError:
        return "invalid_request", "max_age must be a non-negative integer"
    if values.get("response_mode", "query") not in RESPONSE_MODES:
        return "invalid_request", f"response_mode must be one of: {', '.join(RESPONSE_MODES)}"
    if len(values.get("nonce", "")) > NONCE_MAX_CHARS:
        return "invalid_request", f"nonce must be at most {NONCE_MAX_CHARS} characters"
    refusal = pkce.challenge_refusal(values.get("code_challenge"), values.get("code_challenge_method"))
    if refusal:
        return "invalid_request", refusal
    refusal = resource_refusal(tenant, [value for key, value in params if key == "resource"])
    if refusal:
        return INVALID_TARGET, refusal
    return None


def authorization_validate(tenant, query):
    """Validate an authorization request (a raw query string) against the tenant's apps and rules."""
    core = oauth_core_for(tenant)
    try:
        scopes, credentials = core.server.validate_authorization_request(
            _authorize_uri(tenant, query), http_method="GET", body="", headers={}
        )
    except oauth2.FatalClientError as exc:
        raise AuthorizationError(exc.error, exc.description) from None
    except oauth2.OAuth2Error as exc:
        if not exc.redirect_uri:
            raise AuthorizationError(exc.error, exc.description) from None
        raise _redirect_error(tenant, exc.error, exc.description, exc.redirect_uri, exc.state) from None
    request = credentials.get("request")
    client = request.client
    params = parse_qsl(query, keep_blank_values=True)
    refusal = _parameter_refusal(tenant, params)
    if refusal:
        raise _redirect_error(tenant, *refusal, credentials["redirect_uri"], credentials.get("state"))
    values = dict(params)
    prompt = set((values.get("prompt") or "").split())
    return AuthorizationRequest(query=query, scopes=scopes, credentials=credentials, prompt=prompt, client=client,
                                max_age=_max_age(values))


def authorization_complete(tenant, auth_request, user, *, auth_time=None):
    """Issue the code for `user` and return the redirect URI (with code, state and iss). `auth_time`: when the
    tenant session signed in (the ID token's auth_time); default now, for a sign-in that has just happened.

    The request was validated once, by `authorization_validate`: this saves the grant through the validator (the
    one rulebook for Grant rows) as oauthlib's create_authorization_response does after validating again.
    """
    credentials = auth_request.credentials
    request = OauthlibRequest(_authorize_uri(tenant, auth_request.query))
    request.client, request.client_id, request.user = auth_request.client, auth_request.client.client_id, user
    request.scopes, request.redirect_uri = auth_request.scopes, credentials["redirect_uri"]
    request.auth_time = int(time.time()) if auth_time is None else auth_time
    for name in ("code_challenge", "code_challenge_method", "nonce", "claims"):
        setattr(request, name, credentials.get(name))
    grant = {"code": generate_token()}
    TenantValidator(tenant).save_authorization_code(request.client_id, grant, request)
    params = {"code": grant["code"], "iss": tenant.issuer}
    if credentials.get("state"):
        params["state"] = credentials["state"]
    return add_query(credentials["redirect_uri"], params)


def login_required_error(tenant, auth_request):
    return _redirect_error(tenant, "login_required", "End-user authentication is required",
                           auth_request.credentials["redirect_uri"], auth_request.credentials.get("state"))
