"""User claims by scope, shared by ID tokens and the userinfo endpoint (types as @logto/client checks them)."""

SCOPE_CLAIMS = {
    "openid": ("sub",),
    "profile": ("name", "username", "picture", "updated_at"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}
SUPPORTED_SCOPES = ["openid", "offline_access", "profile", "email", "phone"]
SUPPORTED_CLAIMS = [claim for claims in SCOPE_CLAIMS.values() for claim in claims] + [
    "iss", "aud", "exp", "iat", "auth_time", "at_hash",
]


def _all_claims(user):
    return {
        "sub": user.uid,
        "name": user.name or None,
        "username": user.username or None,
        "picture": user.picture or None,
        "updated_at": int(user.updated_at.timestamp()),
        "email": user.email or None,
        "email_verified": bool(user.email_verified),
        "phone_number": user.phone or None,
        "phone_number_verified": bool(user.phone_verified),
    }


def claims_for(user, scopes):
    values = _all_claims(user)
    return {claim: values[claim] for scope in scopes for claim in SCOPE_CLAIMS.get(scope, ())}
