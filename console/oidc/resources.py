"""RFC 8707 resource indicators: the one rule for which `resource` values a tenant's apps may ask for, and what
scopes a token for that resource carries.

A tenant has one API resource of its own: its Management API at `<endpoint>/api`. Logto's open-source default
indicator is accepted as an alias of it, so scripts written for a self-hosted Logto keep working. Only client
credentials may ask for it (a machine-to-machine app granted access in the console); user sign-ins name no
resource.
"""
INVALID_TARGET = "invalid_target"
LOGTO_OSS_MANAGEMENT_API = "https://default.logto.app/api"
# Logto's one Management API scope, and Postern's read-only one.
SCOPE_ALL = "all"
SCOPE_READ = "read"
MANAGEMENT_SCOPES = (SCOPE_ALL, SCOPE_READ)


class ScopeRefusal(Exception):
    """A Management API token refused: `error` is RFC 6749's or RFC 8707's code."""

    def __init__(self, error, description):
        super().__init__(description)
        self.error, self.description = error, description


def management_api_indicators(tenant):
    return (tenant.management_api_indicator, LOGTO_OSS_MANAGEMENT_API)


def is_management_api(tenant, resource):
    return resource in management_api_indicators(tenant)


def resource_refusal(tenant, resources, *, grant_type=None):
    """Why these requested resources are refused (a description for `invalid_target`), or None when allowed.

    The authorization endpoint passes no grant type: no resource may be named there. The token endpoint accepts
    one resource, the tenant's Management API, for client credentials; whether the app may use it is
    `management_scopes`' question, asked once the client is authenticated.
    """
    if not resources:
        return None
    if grant_type != "client_credentials":
        return "Unknown resource indicator: user tokens of this tenant are not issued for an API resource."
    if len(resources) > 1:
        return "Ask for one resource indicator per token request."
    if not is_management_api(tenant, resources[0]):
        return ("Unknown resource indicator: this tenant's only API resource is its Management API, "
                f"{tenant.management_api_indicator}.")
    return None


def management_scopes(client, requested):
    """The scopes a Management API token of `client` carries for the `requested` ones (empty: the app's own
    level). A read-only app asking for `all` gets `read` (RFC 6749 §3.3: the answered `scope` says so).
    Raises ScopeRefusal for an app without access or an unknown scope."""
    access = getattr(client, "management_api_access", "")
    if not access:
        raise ScopeRefusal(INVALID_TARGET, "This application has no Management API access: grant it in the "
                                           "console (Applications → the app → Management API access).")
    unknown = sorted(set(requested) - set(MANAGEMENT_SCOPES))
    if unknown:
        raise ScopeRefusal("invalid_scope", f"Unknown Management API scope {unknown[0]!r}: use "
                                            f"{SCOPE_ALL!r} or {SCOPE_READ!r}.")
    if access == SCOPE_ALL and SCOPE_READ in requested and SCOPE_ALL not in requested:
        return [SCOPE_READ]
    return [access]
