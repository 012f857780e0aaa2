"""Writes on applications."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model

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


def _management_api_access(app_type, access):
    if access not in Application.ManagementApiAccess.values:
        raise ValidationError({"management_api_access": _("Choose no access, full access or read-only.")})
    if access and app_type != Application.AppType.M2M:
        raise ValidationError({"management_api_access": _(
            "Only machine-to-machine apps can call the Management API.")})
    return access


@transaction.atomic
def application_create(*, tenant, name, acting_user, framework="", app_type=None, description="",
                       redirect_uris=None, post_logout_redirect_uris=None, allowed_origins=None,
                       management_api_access=""):
    """Create an app from a framework of the catalogue, or (the Management API) of a bare type; returns
    (application, plaintext secret or None). The secret is never readable again."""
    fw = BY_SLUG.get(framework) if framework else None
    if (framework and fw is None) or (fw is None and app_type not in Application.AppType.values):
        raise ValidationError({"framework": _("Pick a framework from the list.")})
    if fw is not None and app_type and app_type != fw.app_type:
        raise ValidationError({"framework": _("This framework makes a different type of application.")})
    if not name or not name.strip():
        raise ValidationError({"name": _("Give the application a name.")})
    app_type = fw.app_type if fw else app_type
    management_api_access = _management_api_access(app_type, management_api_access or "")
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
        framework=fw.slug if fw else "",
        management_api_access=management_api_access,
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
                 changes={"name": app.name, "type": app_type, "framework": app.framework}
                 | ({"management_api_access": management_api_access} if management_api_access else {}))
    return app, secret


@transaction.atomic
def application_update(*, application, acting_user, name, description, redirect_uris, post_logout_redirect_uris,
                       allowed_origins, refresh_token_ttl_days, reuse_grace_seconds=None,
                       management_api_access=None):
    """`management_api_access` None keeps the app's current access."""
    app_type = application.app_type
    errors = {}
    if management_api_access is None:
        management_api_access = application.management_api_access
    try:
        management_api_access = _management_api_access(app_type, management_api_access)
    except ValidationError as exc:
        errors.update(exc.message_dict)
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
    if refresh_token_ttl_days is None:
        refresh_token_ttl_days = application.refresh_token_ttl_days
    if not (1 <= int(refresh_token_ttl_days or 0) <= 365):
        errors["refresh_token_ttl_days"] = _("Between 1 and 365 days.")
    if reuse_grace_seconds is None:
        reuse_grace_seconds = application.reuse_grace_seconds
    if not (0 <= int(reuse_grace_seconds) <= 60):
        errors["reuse_grace_seconds"] = _("Between 0 and 60 seconds.")
    if errors:
        raise ValidationError(errors)
    fields = dict(cleaned, name=name.strip(), description=description or "",
                  refresh_token_ttl_days=int(refresh_token_ttl_days), reuse_grace_seconds=int(reuse_grace_seconds),
                  management_api_access=management_api_access)
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
    # The old secret's client-credentials tokens go with it (users' tokens of a web app stay).
    get_access_token_model().objects.filter(application=application, user__isnull=True).delete()
    audit_record(tenant=application.tenant, actor=acting_user, action="application.secret_rotate",
                 target=application, changes={"client_secret": "(rotated)"})
    return secret


@transaction.atomic
def application_delete(*, application, acting_user):
    audit_record(tenant=application.tenant, actor=acting_user, action="application.delete", target=application,
                 changes={"name": application.name})
    application.delete()
