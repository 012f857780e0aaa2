"""Writes on applications."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model

from console import ids
from console.applications import redirect_uris as uri_rules, secret_hashing
from console.applications.frameworks import BY_SLUG
from console.applications.models import Application, ApplicationSecret
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


def _text_problems(name, description):
    """{field: message} for a name or description the console's form would refuse (the Management API sends them
    as they come): no name, too long, or control characters."""
    problems = {}
    name_max = Application._meta.get_field("name").max_length
    if not name or not name.strip():
        problems["name"] = _("Give the application a name.")
    elif len(name.strip()) > name_max:
        problems["name"] = _("Use at most %(n)d characters.") % {"n": name_max}
    if len(description or "") > Application.DESCRIPTION_MAX_LENGTH:
        problems["description"] = _("Use at most %(n)d characters.") % {"n": Application.DESCRIPTION_MAX_LENGTH}
    for field, value in (("name", name), ("description", description)):
        if value and field not in problems and any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
            problems[field] = _("Remove control characters.")
    return problems


def _clean_uri_lists(app_type, errors, **lists):
    """The redirect, post sign-out and origin lists through the rule book, each joined for its text field; the
    problems of each list go into `errors` under its field."""
    checks = {"redirect_uris": lambda v: uri_rules.validate_redirect_uri_list(v, app_type),
              "post_logout_redirect_uris": lambda v: uri_rules.validate_redirect_uri_list(v, app_type),
              "allowed_origins": uri_rules.validate_origin_list}
    cleaned = {}
    for field, values in lists.items():
        try:
            cleaned[field] = " ".join(checks[field](_uris(values)))
        except ValidationError as exc:
            errors[field] = exc.messages
    return cleaned


def _refresh_ttl_problem(days):
    if not (1 <= int(days or 0) <= 365):
        return _("Between 1 and 365 days.")
    return None


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
                       management_api_access="", refresh_token_ttl_days=None):
    """Create an app from a framework of the catalogue, or (the Management API) of a bare type; returns
    (application, plaintext secret or None). The secret is never readable again. `refresh_token_ttl_days` None:
    the model's default."""
    fw = BY_SLUG.get(framework) if framework else None
    if (framework and fw is None) or (fw is None and app_type not in Application.AppType.values):
        raise ValidationError({"framework": _("Pick a framework from the list.")})
    if fw is not None and app_type and app_type != fw.app_type:
        raise ValidationError({"framework": _("This framework makes a different type of application.")})
    app_type = fw.app_type if fw else app_type
    errors = _text_problems(name, description)
    if refresh_token_ttl_days is not None and _refresh_ttl_problem(refresh_token_ttl_days):
        errors["refresh_token_ttl_days"] = _refresh_ttl_problem(refresh_token_ttl_days)
    try:
        management_api_access = _management_api_access(app_type, management_api_access or "")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    uris = _clean_uri_lists(app_type, errors, redirect_uris=redirect_uris,
                            post_logout_redirect_uris=post_logout_redirect_uris, allowed_origins=allowed_origins)
    if errors:
        raise ValidationError(errors)
    public = app_type in Application.PUBLIC_TYPES
    secret = None if public else ids.app_secret()
    app = Application(
        tenant=tenant,
        name=name.strip(),
        description=description or "",
        app_type=app_type,
        framework=fw.slug if fw else "",
        management_api_access=management_api_access,
        client_type=Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=_GRANT_BY_TYPE[app_type],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
        **uris,
        client_secret=secret or "",
        hash_client_secret=True,
        secret_last4=secret[-4:] if secret else "",
    )
    if refresh_token_ttl_days is not None:
        app.refresh_token_ttl_days = int(refresh_token_ttl_days)
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
    errors.update(_text_problems(name, description))
    cleaned = _clean_uri_lists(app_type, errors, redirect_uris=redirect_uris,
                               post_logout_redirect_uris=post_logout_redirect_uris, allowed_origins=allowed_origins)
    if refresh_token_ttl_days is None:
        refresh_token_ttl_days = application.refresh_token_ttl_days
    if _refresh_ttl_problem(refresh_token_ttl_days):
        errors["refresh_token_ttl_days"] = _refresh_ttl_problem(refresh_token_ttl_days)
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
    _end_client_credentials_tokens(application)
    audit_record(tenant=application.tenant, actor=acting_user, action="application.secret_rotate",
                 target=application, changes={"client_secret": "(rotated)"})
    return secret


def application_secret_rehash(*, stored, secret):
    """Keep the primary secret `secret`, which matched the password hash `stored`, as its checksum instead
    (secret_hashing): the same secret, so nothing to audit. Conditional on the old value, so a rotation meanwhile
    wins."""
    Application.objects.filter(client_secret=stored).update(client_secret=secret_hashing.stored_form(secret))


def _end_client_credentials_tokens(application):
    """A secret taken away takes the app's client-credentials tokens with it (users' tokens of a web app stay).
    Tokens do not record which secret obtained them, so every one goes: the app fetches a new one with a secret
    it still holds."""
    get_access_token_model().objects.filter(application=application, user__isnull=True).delete()


@transaction.atomic
def application_secret_add(*, application, name, acting_user, expires_at=None):
    """A named extra secret of a confidential app (Logto's application secrets): accepted by client authentication
    beside the primary one until `expires_at` (None: never). Returns (row, plaintext value), the value shown once."""
    if application.is_public:
        raise ValidationError(_("Public apps have no secret."))
    errors = {}
    max_length = ApplicationSecret._meta.get_field("name").max_length
    if not isinstance(name, str) or not name.strip():
        errors["name"] = _("Give the secret a name.")
    elif len(name) > max_length or "/" in name or any(ord(ch) < 32 for ch in name):
        errors["name"] = _("Use at most %(n)d characters, without slashes or control characters.") % {
            "n": max_length}
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry must be in the future.")
    if "name" not in errors and ApplicationSecret.objects.filter(application=application, name=name).exists():
        errors["name"] = ValidationError(_("This application already has a secret with this name."),
                                         code="name_taken")
    if errors:
        raise ValidationError(errors)
    value = ids.app_secret()
    try:
        with transaction.atomic():
            secret = ApplicationSecret.objects.create(application=application, name=name, expires_at=expires_at,
                                                      checksum=ApplicationSecret.checksum_of(value), last4=value[-4:])
    except IntegrityError:
        raise ValidationError({"name": ValidationError(
            _("This application already has a secret with this name."), code="name_taken")}) from None
    audit_record(tenant=application.tenant, actor=acting_user, action="application.secret_add", target=application,
                 changes={"secret": name, "expires_at": expires_at.isoformat() if expires_at else None})
    return secret, value


@transaction.atomic
def application_secret_delete(*, secret, acting_user):
    application = secret.application
    secret.delete()
    _end_client_credentials_tokens(application)
    audit_record(tenant=application.tenant, actor=acting_user, action="application.secret_delete",
                 target=application, changes={"secret": secret.name})


@transaction.atomic
def application_delete(*, application, acting_user):
    audit_record(tenant=application.tenant, actor=acting_user, action="application.delete", target=application,
                 changes={"name": application.name})
    application.delete()
