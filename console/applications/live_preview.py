"""The tenant's built-in live-preview app: what "Try it" on the sign-in experience page signs in through.

An ordinary Single page app of the tenant (a public client: PKCE protects its code, so the console keeps no
secret for it), marked `is_live_preview`, listed with the tenant's apps. It is made on first use and made again
if it was deleted; its redirect URI is the console page that exchanges the code and shows the ID token's claims.
"""
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from console.applications.models import Application
from console.applications.redirect_uris import validate_redirect_uri
from console.applications.services import application_create
from console.audit.services import audit_record, changed_fields

NAME = "Live preview"
DESCRIPTION = _("Built in: “Try it” on the sign-in experience page signs in through this app. Deleting it is "
                "harmless; the next “Try it” makes it again.")


def live_preview_application(tenant):
    return Application.objects.filter(tenant=tenant, is_live_preview=True).first()


def application_live_preview_ensure(*, tenant, redirect_uri, acting_user):
    """The tenant's live-preview app, created when missing, with `redirect_uri` among its redirect URIs (the
    console may be reached at more than one address). Each write is audited; raises ValidationError when the
    redirect-URI rules refuse `redirect_uri`."""
    validate_redirect_uri(redirect_uri, Application.AppType.SPA)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _ensure(tenant, redirect_uri, acting_user)
        except IntegrityError:
            continue  # another request made it at the same moment: read theirs
    return _ensure(tenant, redirect_uri, acting_user)


def _ensure(tenant, redirect_uri, acting_user):
    app = Application.objects.select_for_update().filter(tenant=tenant, is_live_preview=True).first()
    if app is None:
        app, _secret = application_create(tenant=tenant, name=NAME, app_type=Application.AppType.SPA,
                                          description=str(DESCRIPTION), redirect_uris=[redirect_uri],
                                          acting_user=acting_user)
        app.is_live_preview = True
        app.save(update_fields=["is_live_preview"])
    elif redirect_uri not in app.redirect_uri_list:
        before = {"redirect_uris": app.redirect_uri_list}
        app.redirect_uris = " ".join([*before["redirect_uris"], redirect_uri])
        app.save(update_fields=["redirect_uris", "updated"])
        audit_record(tenant=tenant, actor=acting_user, action="application.update", target=app,
                     changes=changed_fields(before, {"redirect_uris": app.redirect_uri_list}))
    return app
