"""Writes on a tenant's end users; every change is audited (passwords never)."""
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from console import events, ids
from console.accounts.models import User
from console.audit.services import audit_record, changed_fields
from console.phone import InvalidPhone, normalize_phone


def _clean_identifiers(tenant, *, username, email, phone, exclude=None):
    errors, cleaned = {}, {}
    cleaned["username"] = (username or "").strip() or None
    cleaned["email"] = (email or "").strip().lower() or None
    try:
        cleaned["phone"] = normalize_phone(phone, tenant.default_country) if (phone or "").strip() else None
    except InvalidPhone as exc:
        errors["phone"] = str(exc)
    if not any(cleaned.values()) and not errors:
        errors["username"] = _("Give at least one of username, email or phone.")
    existing = User.objects.filter(tenant=tenant).exclude(pk=getattr(exclude, "pk", None))
    taken = {"username": _("Another user of this tenant already has this username."),
             "email": _("Another user of this tenant already has this email."),
             "phone": _("Another user of this tenant already has this phone number.")}
    for field, message in taken.items():
        if cleaned.get(field) and existing.filter(**{field: cleaned[field]}).exists():
            errors[field] = ValidationError(message, code="taken")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_password(password, user):
    """A password an admin chose for `user`, checked by the configured validators (errors on `password`)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


@transaction.atomic
def end_user_create(*, tenant, acting_user, username="", email="", phone="", name="", password=""):
    fields = _clean_identifiers(tenant, username=username, email=email, phone=phone)
    user = User(tenant=tenant, name=name or "", **fields)
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(_("Another user just took one of these identifiers; try again.")) from None
    audit_record(tenant=tenant, actor=acting_user, action="user.create", target=user,
                 changes={k: v for k, v in fields.items() if v} | {"password": "(set)" if password else "(none)"})
    events.emit(events.USER_CREATED, tenant=tenant, user=user, actor=acting_user)
    return user


@transaction.atomic
def end_user_update(*, user, acting_user, username="", email="", phone="", name=""):
    fields = _clean_identifiers(user.tenant, username=username, email=email, phone=phone, exclude=user)
    fields["name"] = name or ""
    before = {k: getattr(user, k) for k in fields}
    for key, value in fields.items():
        setattr(user, key, value)
    user.save()
    diff = changed_fields(before, fields)
    if diff:
        audit_record(tenant=user.tenant, actor=acting_user, action="user.update", target=user, changes=diff)
        events.emit(events.USER_DATA_UPDATED, tenant=user.tenant, user=user, actor=acting_user)
    return user


def _end_sessions_and_tokens(user):
    """Sign the user out everywhere: every tenant session (the epoch the session carries no longer matches),
    refresh tokens, access tokens and unredeemed codes."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    get_refresh_token_model().objects.filter(user=user, revoked__isnull=True).update(revoked=now)
    get_access_token_model().objects.filter(user=user, expires__gt=now).update(expires=now)
    get_grant_model().objects.filter(user=user).delete()


@transaction.atomic
def end_user_set_suspended(*, user, suspended, acting_user):
    user.is_suspended = suspended
    user.save(update_fields=["is_suspended", "updated_at"])
    if suspended:
        _end_sessions_and_tokens(user)
    audit_record(tenant=user.tenant, actor=acting_user, action="user.suspend" if suspended else "user.reactivate",
                 target=user, changes={"signed_out_everywhere": True} if suspended else None)
    events.emit(events.USER_SUSPENSION_UPDATED, tenant=user.tenant, user=user, actor=acting_user)
    return user


@transaction.atomic
def end_user_password_reset(*, user, acting_user, sign_out_everywhere=True):
    """Set a new random password and return it (shown to the admin once)."""
    password = ids.random_id(16, ids.ALNUM)
    _password_change(user, password, acting_user=acting_user, action="user.password_reset", shown="(reset)",
                     sign_out_everywhere=sign_out_everywhere)
    return password


@transaction.atomic
def end_user_password_set(*, user, password, acting_user, sign_out_everywhere=True):
    """Set a password an admin chose (the Management API's `PATCH /users/{id}/password`), checked as
    end_user_create checks one; like a reset, it signs the user out everywhere by default."""
    _check_password(password, user)
    _password_change(user, password, acting_user=acting_user, action="user.password_set", shown="(set)",
                     sign_out_everywhere=sign_out_everywhere)
    return user


def _password_change(user, password, *, acting_user, action, shown, sign_out_everywhere):
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    if sign_out_everywhere:
        _end_sessions_and_tokens(user)
    audit_record(tenant=user.tenant, actor=acting_user, action=action, target=user,
                 changes={"password": shown, "signed_out_everywhere": sign_out_everywhere})
    events.emit(events.USER_DATA_UPDATED, tenant=user.tenant, user=user, actor=acting_user)


@transaction.atomic
def end_user_delete(*, user, acting_user):
    audit_record(tenant=user.tenant, actor=acting_user, action="user.delete", target=user,
                 changes={"identifier": user.display_identifier})
    user.delete()
    events.emit(events.USER_DELETED, tenant=user.tenant, user=user, actor=acting_user)
