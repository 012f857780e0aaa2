"""Postern's objects in Logto's JSON shapes (camelCase, Logto's field names; Postern's extras added, never
renamed): what the Management API answers and what webhook payloads carry, written once for both."""


LOGTO_TYPES = {"native": "Native", "spa": "SPA", "traditional": "Traditional", "m2m": "MachineToMachine"}


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
        "createdAt": int(app.created.timestamp() * 1000),
    }
