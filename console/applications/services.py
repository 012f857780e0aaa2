"""Writes on applications."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from console import ids
from console.applications import redirect_uris as uri_rules
from console.applications.frameworks import BY_SLUG
from console.applications.models import Application
from console.audit.services import audit_record, changed_fields

_GRANT_BY_TYPE = {
    Application.AppType.NATIVE: Application.GRANT_AUTHORIZATION_CODE,
    Application.AppType.SPA: Application.GRANT_AUTHORIZATION_CODE,
    Application.AppType.TRADITIONAL: Application.GRANT_AUTHORIZATION_CODE,
    Application.AppType.M2M: Application.GRANT_CLIENT_CREDENTIALS,
}


def _uris(value):
    if isinstance(value, str):
        value = value.split()
    return [v for v in (value or []) if v]


@transaction.atomic
def application_create(*, tenant, name, framework, acting_user, description="", redirect_uris=None,
                       post_logout_redirect_uris=None, allowed_origins=None):
    """Create an app; returns (application, plaintext secret or None). The secret is never readable again."""
    fw = BY_SLUG.get(framework)
    if fw is None:
        raise ValidationError({"framework": _("Pick a framework from the list.")})
    if not name or not name.strip():
        raise ValidationError({"name": _("Give the application a name.")})
    app_type = fw.app_type
    redirects = uri_rules.validate_redirect_uri_list(_uris(redirect_uris), app_type) if redirect_uris else []
    logouts = (
        uri_rules.validate_redirect_uri_list(_uris(post_logout_redirect_uris), app_type)
        if post_logout_redirect_uris else []
    )
    origins = uri_rules.validate_origin_list(_uris(allowed_origins)) if allowed_origins else []
    public = app_type in Application.PUBLIC_TYPES
    secret = None if public else ids.app_secret()
    app = Application(
        tenant=tenant,
        name=name.strip(),
        description=description,
        app_type=app_type,
        framework=fw.slug,
        client_type=Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=_GRANT_BY_TYPE[app_type],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
        redirect_uris=" ".join(redirects),
        post_logout_redirect_uris=" ".join(logouts),
        allowed_origins=" ".join(origins),
        client_secret=secret or "",
        hash_client_secret=True,
        secret_last4=secret[-4:] if secret else "",
    )
    app.save()
    audit_record(tenant=tenant, actor=acting_user, action="application.create", target=app,
                 changes={"name": app.name, "type": app_type, "framework": fw.slug})
    return app, secret


@transaction.atomic
def application_update(*, application, acting_user, name, description, redirect_uris, post_logout_redirect_uris,
                       allowed_origins, refresh_token_ttl_days, reuse_grace_seconds=None):
    app_type = application.app_type
    errors = {}
    if not name or not name.strip():
        errors["name"] = _("Give the application a name.")
    cleaned = {}
    for field, values, check in (
        ("redirect_uris", redirect_uris, lambda v: uri_rules.validate_redirect_uri_list(v, app_type)),
        ("post_logout_redirect_uris", post_logout_redirect_uris,
         lambda v: uri_rules.validate_redirect_uri_list(v, app_type)),
        ("allowed_origins", allowed_origins, uri_rules.validate_origin_list),
    ):
        try:
            cleaned[field] = " ".join(check(_uris(values)))
        except ValidationError as exc:
            errors[field] = exc.messages
    if not (1 <= int(refresh_token_ttl_days or 0) <= 365):
        errors["refresh_token_ttl_days"] = _("Between 1 and 365 days.")
    if reuse_grace_seconds is None:
        reuse_grace_seconds = application.reuse_grace_seconds
    if not (0 <= int(reuse_grace_seconds) <= 60):
        errors["reuse_grace_seconds"] = _("Between 0 and 60 seconds.")
    if errors:
        raise ValidationError(errors)
    fields = dict(cleaned, name=name.strip(), description=description or "",
                  refresh_token_ttl_days=int(refresh_token_ttl_days), reuse_grace_seconds=int(reuse_grace_seconds))
    before = {k: getattr(application, k) for k in fields}
    for key, value in fields.items():
        setattr(application, key, value)
    application.save()
    diff = changed_fields(before, fields)
    if diff:
        audit_record(tenant=application.tenant, actor=acting_user, action="application.update",
                     target=application, changes=diff)
    return application


@transaction.atomic
def application_secret_rotate(*, application, acting_user):
    if application.is_public:
        raise ValidationError(_("Public apps have no secret."))
    secret = ids.app_secret()
    application.client_secret = secret
    application.secret_last4 = secret[-4:]
    application.save()
    audit_record(tenant=application.tenant, actor=acting_user, action="application.secret_rotate",
                 target=application, changes={"client_secret": "(rotated)"})
    return secret


@transaction.atomic
def application_delete(*, application, acting_user):
    audit_record(tenant=application.tenant, actor=acting_user, action="application.delete", target=application,
                 changes={"name": application.name})
    application.delete()
