"""Postern's objects in Logto's JSON shapes (camelCase, Logto's field names; Postern's extras added, never
renamed): what the Management API answers and what webhook payloads carry, written once for both."""


LOGTO_TYPES = {"native": "Native", "spa": "SPA", "traditional": "Traditional", "m2m": "MachineToMachine"}
POSTERN_TYPES = {logto: postern for postern, logto in LOGTO_TYPES.items()}
# How a stored secret is shown: never its value, only its last four characters (as the console shows them).
SECRET_MASK = "••••••••"


def _ms(moment):
    """Logto's timestamps: milliseconds since the epoch (None stays None)."""
    return int(moment.timestamp() * 1000) if moment else None


def application_json(app):
    return {
        "tenantId": app.tenant_id,
        "id": app.client_id,
        "name": app.name,
        "description": app.description or None,
        "type": LOGTO_TYPES[app.app_type],
        "oidcClientMetadata": {"redirectUris": app.redirect_uri_list,
                               "postLogoutRedirectUris": app.post_logout_redirect_uri_list},
        "customClientMetadata": {"corsAllowedOrigins": app.allowed_origin_list,
                                 "refreshTokenTtlInDays": app.refresh_token_ttl_days},
        "protectedAppMetadata": None,
        "customData": {},
        "isThirdParty": False,
        "appLevelAccessControlEnabled": False,
        "createdAt": _ms(app.created),
        # Postern's own: the catalogue framework it was created from, and its Management API access.
        "framework": app.framework or None,
        "managementApiAccess": app.management_api_access,
        # The tenant's built-in app behind the console's "Try it" (console.applications.live_preview).
        "isLivePreview": app.is_live_preview,
    }


def application_detail_json(app):
    """One application as Logto's GET answers it: `isAdmin` is Logto's Management API admin role, which a
    Postern app holds with full Management API access."""
    return application_json(app) | {"isAdmin": app.management_api_access == app.ManagementApiAccess.ALL}


def application_secret_json(secret, value=None):
    """A named secret (Logto's application secret). `value` only when just created: Postern keeps checksums, so a
    listing shows the last four characters behind a mask, which no client authentication accepts."""
    return {
        "tenantId": secret.application.tenant_id,
        "applicationId": secret.application.client_id,
        "name": secret.name,
        "value": value or SECRET_MASK + secret.last4,
        "createdAt": _ms(secret.created_at),
        "expiresAt": _ms(secret.expires_at),
    }


def logto_phone(e164):
    """Logto's `primaryPhone`: the E.164 number's digits without the "+" (`8613800138000`)."""
    return e164.removeprefix("+") if e164 else None


def phone_from_logto(text):
    """A phone number sent in Logto's format, ready for console.phone: digits alone are Logto's (country code
    first) and get their "+" back; anything else (`+86 138…`, `0086…`, a national number with spaces) as sent."""
    if isinstance(text, str) and text.isascii() and text.isdigit() and not text.startswith("0"):
        return "+" + text
    return text


def user_json(user):
    """An end user in Logto's user shape; `id` is the OIDC `sub`. Logto's custom data, identities and profile
    have no counterpart in Postern and are empty."""
    return {
        "id": user.uid,
        "username": user.username,
        "primaryEmail": user.email,
        "primaryPhone": logto_phone(user.phone),
        "name": user.name or None,
        "avatar": user.picture or None,
        "customData": {},
        "identities": {},
        "lastSignInAt": _ms(user.last_login),
        "createdAt": _ms(user.created_at),
        "updatedAt": _ms(user.updated_at),
        "profile": {},
        "applicationId": None,
        "isSuspended": user.is_suspended,
        "hasPassword": user.has_usable_password(),
    }
