"""The discovery document of a tenant's issuer."""
import functools
import json

from console.oidc.claims import SUPPORTED_CLAIMS, SUPPORTED_SCOPES
from console.oidc.grants import GRANT_TYPES
from console.oidc.provider import PROMPT_VALUES, RESPONSE_MODES


@functools.lru_cache(maxsize=1024)
def discovery_json(issuer):
    """The document serialized once per process: it is a pure function of the issuer (tenant ID + PUBLIC_URL),
    so there is nothing to invalidate; an unknown or deleted tenant never gets here (404 first)."""
    return json.dumps(_document(issuer)).encode()


def _document(issuer):
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/me",
        "jwks_uri": f"{issuer}/jwks",
        "revocation_endpoint": f"{issuer}/token/revocation",
        "introspection_endpoint": f"{issuer}/token/introspection",
        "end_session_endpoint": f"{issuer}/session/end",
        "response_types_supported": ["code"],
        "response_modes_supported": list(RESPONSE_MODES),
        "grant_types_supported": list(GRANT_TYPES),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": SUPPORTED_SCOPES,
        "claims_supported": SUPPORTED_CLAIMS,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "prompt_values_supported": list(PROMPT_VALUES),
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["en", "zh-Hans"],
    }
