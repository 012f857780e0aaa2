"""/api/users: Logto's user endpoints over the console's end-user services. A user's `id` is the OIDC `sub`.

Bodies go through the console's own end-user forms (lengths, email format), then the same service the console
calls, so both doors apply one set of rules. `primaryPhone` is Logto's format, the number's digits without "+"
(`8613800138000`); input with "+" or spaces is read as the console reads it.
"""
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field, StrictBool

from console.shapes import phone_from_logto, user_json
from console.users import selectors, services
from console.users.forms import EndUserCreateForm, EndUserForm
from management_api.errors import ApiError, not_found_with_id, service_error
from management_api.paging import PageParams, paged
from management_api.search import Column, search_filter
from management_api.text_guard import StorableBody

router = Router(tags=["Users"])

# The console's field names → Logto's.
FIELDS = {"username": "username", "email": "primaryEmail", "phone": "primaryPhone", "name": "name",
          "password": "password"}
# Identifiers another user of the tenant holds: Logto's 422 codes, in the order Logto checks them.
TAKEN = {"username": "user.username_already_in_use", "email": "user.email_already_in_use",
         "phone": "user.phone_already_in_use"}
PASSWORD_FIELD = EndUserCreateForm.base_fields["password"]
NOT_STORED = "Accepted for compatibility with Logto; Postern does not store it."


def _phone_pattern(value):
    """A phone value or LIKE pattern in Logto's format (digits without "+") matched against E.164."""
    return "+" + value if value[:1].isdigit() else value


SEARCH_COLUMNS = {
    "id": Column("uid"),
    "primaryEmail": Column("email"),
    "primaryPhone": Column("phone", _phone_pattern),
    "username": Column("username"),
    "name": Column("name"),
}


class UserListQuery(PageParams):
    search: str | None = Field(None, description=(
        "Logto's search: `search=%foo%` (LIKE pattern over id, username, primaryEmail, primaryPhone, name), "
        "`search.<field>=…`, `mode[.<field>]=like|exact`, `joint=or|and`, `isCaseSensitive=true`."))


class UserCreateBody(StorableBody):
    username: str | None = None
    primaryEmail: str | None = None
    primaryPhone: str | None = Field(None, description="Digits with the country code (`8613800138000`), or `+86 …`.")
    password: str | None = Field(None, description="Plain text; checked by the same validators as the console.")
    name: str | None = None
    passwordDigest: str | None = Field(None, description="Not supported by Postern: send `password`.")
    avatar: str | None = Field(None, description=NOT_STORED)
    customData: dict | None = Field(None, description=NOT_STORED)
    profile: dict | None = Field(None, description=NOT_STORED)


class UserUpdateBody(StorableBody):
    username: str | None = Field(None, description="null or \"\" removes it.")
    primaryEmail: str | None = Field(None, description="null or \"\" removes it.")
    primaryPhone: str | None = Field(None, description="null or \"\" removes it.")
    name: str | None = None
    avatar: str | None = Field(None, description=NOT_STORED)
    customData: dict | None = Field(None, description=NOT_STORED)
    profile: dict | None = Field(None, description=NOT_STORED)


class PasswordBody(StorableBody):
    password: str


class SuspendedBody(Schema):
    isSuspended: StrictBool


def _user(request, user_id):
    try:
        return selectors.end_user_for_tenant(request.auth.tenant, user_id)
    except Http404:
        raise not_found_with_id("user", user_id) from None


def _form_values(form):
    """The console form's cleaned data, or a 400 naming Logto's fields."""
    if form.is_valid():
        return form.cleaned_data
    raise service_error(ValidationError(form.errors.as_data()), fields=FIELDS)


def _refusal(exc):
    """A service's ValidationError as Logto answers it: 422 for an identifier another user holds, else 400."""
    for field, code in TAKEN.items():
        errors = getattr(exc, "error_dict", {}).get(field, [])
        if any(error.code == "taken" for error in errors):
            return ApiError(422, code, errors[0].messages[0])
    return service_error(exc, fields=FIELDS)


def _identifiers(values):
    return {"username": values.get("username") or "", "email": values.get("primaryEmail") or "",
            "phone": phone_from_logto(values.get("primaryPhone") or ""), "name": values.get("name") or ""}


@router.get("", summary="Get users")
def list_users(request, response: HttpResponse, query: Query[UserListQuery]):
    users = selectors.end_users_in(request.auth.tenant)
    condition = search_filter(request.GET, SEARCH_COLUMNS)
    if condition is not None:
        users = users.filter(condition)
    return [user_json(user) for user in paged(users, query, response)]


@router.post("", summary="Create user")
def create_user(request, body: UserCreateBody):
    if body.passwordDigest is not None:
        raise ApiError(400, "guard.invalid_input", "Postern does not import password digests: send `password`.",
                       {"fields": {"passwordDigest": ["Not supported."]}})
    values = _form_values(EndUserCreateForm(_identifiers(body.model_dump()) | {"password": body.password or ""}))
    try:
        user = services.end_user_create(tenant=request.auth.tenant, acting_user=request.auth.actor, **values)
    except ValidationError as exc:
        raise _refusal(exc) from None
    return user_json(user)


@router.get("/{userId}", summary="Get user")
def get_user(request, userId: str):
    return user_json(_user(request, userId))


@router.patch("/{userId}", summary="Update user",
              description="Fields left out keep their value; null or \"\" removes an identifier or the name.")
def update_user(request, userId: str, body: UserUpdateBody):
    user = _user(request, userId)
    current = {"username": user.username, "primaryEmail": user.email, "primaryPhone": user.phone,
               "name": user.name}
    sent = body.model_dump(include=body.model_fields_set & set(current))
    values = _form_values(EndUserForm(_identifiers(current | sent)))
    try:
        user = services.end_user_update(user=user, acting_user=request.auth.actor, **values)
    except ValidationError as exc:
        raise _refusal(exc) from None
    return user_json(user)


@router.patch("/{userId}/password", summary="Update user password",
              description="Sets the password an admin chose (the console's password validators apply) and, as "
                          "the console's reset does, signs the user out everywhere: sessions, refresh and access "
                          "tokens end.")
def update_password(request, userId: str, body: PasswordBody):
    user = _user(request, userId)
    try:
        password = PASSWORD_FIELD.clean(body.password)
        user = services.end_user_password_set(user=user, password=password, acting_user=request.auth.actor)
    except ValidationError as exc:
        raise service_error(exc if hasattr(exc, "error_dict") else ValidationError({"password": exc.messages}),
                            fields=FIELDS) from None
    return user_json(user)


@router.patch("/{userId}/is-suspended", summary="Update user suspension status",
              description="Suspending signs the user out everywhere; a suspended user cannot sign in.")
def update_suspended(request, userId: str, body: SuspendedBody):
    user = services.end_user_set_suspended(user=_user(request, userId), suspended=body.isSuspended,
                                           acting_user=request.auth.actor)
    return user_json(user)


@router.delete("/{userId}", summary="Delete user", response={204: None})
def delete_user(request, userId: str):
    services.end_user_delete(user=_user(request, userId), acting_user=request.auth.actor)
    return HttpResponse(status=204)
