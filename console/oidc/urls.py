import re

from django.urls import URLResolver, get_resolver, path

from console.oidc import views

app_name = "oidc"
# JSON endpoints for machines (form or bearer credentials, never the session): console.oidc.middleware answers them
# past the session, CSRF and locale layers.
API_URL_NAMES = ("discovery", "jwks", "token", "userinfo", "revocation", "introspection")
# A pure function of the issuer, replayed for a few seconds by console.oidc.document_cache.
CACHEABLE_URL_NAMES = ("discovery",)
urlpatterns = [
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("jwks", views.jwks, name="jwks"),
    path("auth", views.authorize, name="authorize"),
    path("token", views.token, name="token"),
    path("me", views.userinfo, name="userinfo"),
    path("token/revocation", views.revocation, name="revocation"),
    path("token/introspection", views.introspection, name="introspection"),
    path("session/end", views.session_end, name="session_end"),
    path("session/end/confirm", views.session_end_confirm, name="session_end_confirm"),
]


def path_regex(names):
    """The request paths of these URL names under any tenant, built from the resolved URL conf (the tenant prefix
    included), so a route added above reaches whoever asks by name."""
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == app_name:
            found = [p for p in entry.url_patterns if p.name in names]
            if {p.name for p in found} != set(names):
                raise LookupError(f"no {app_name} URL named {sorted(set(names) - {p.name for p in found})}")
            routes = [p.pattern.regex.pattern.removeprefix("^").removesuffix(r"\Z") for p in found]
            prefix = entry.pattern.regex.pattern.removeprefix("^")
            return re.compile(rf"^/{prefix}(?:{'|'.join(routes)})\Z")
    raise LookupError(f"the root URL conf does not include the {app_name!r} URLs")
