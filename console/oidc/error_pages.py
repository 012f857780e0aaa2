"""The page shown when an authorization request cannot go back to its app: what happened in the visitor's
language, with the protocol's own words kept aside as details for the app's developer."""
import re

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# oauthlib's descriptions of the requests it refuses without redirecting (FatalClientError), as people read them.
EXPLANATIONS = {
    "Missing client_id parameter.": _("The link that opened this page does not say which app you are signing in to."),
    "Invalid client_id parameter value.": _("The app that sent you here is not registered with this service."),
    "Mismatching redirect URI.": _("The app asked to come back to an address it has not registered. Its developer "
                                   "must add that address to the app in the console."),
    "Missing redirect URI.": _("The app did not say where to come back to after signing in."),
    "Invalid redirect URI.": _("The address the app asked to come back to is not valid."),
}
FALLBACK = _("The app's sign-in request could not be accepted.")
_PROTOCOL_CODE = re.compile(r"[a-z_]+")


def authorization_error_page(request, tenant, error, description, status=400):
    """`error`, `description`: an OAuth error code and oauthlib's text, or Postern's own (translated) title and
    explanation."""
    if _PROTOCOL_CODE.fullmatch(error or ""):
        context = {"title": _("This sign-in cannot continue"),
                   "explanation": EXPLANATIONS.get(description, FALLBACK),
                   "technical": f"{error}: {description}" if description else error}
    else:
        context = {"title": error, "explanation": description, "technical": ""}
    return render(request, "oidc/error.html", {"tenant": tenant, **context}, status=status)
