"""The tenant's password policy, applied when end users create or reset a password."""
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_COMMON = CommonPasswordValidator()


def _character_types(password):
    return sum([
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ])


def password_problems(password, policy):
    problems = []
    length = policy["length"]
    if len(password) < length["min"]:
        problems.append(_("Use at least %(n)d characters.") % {"n": length["min"]})
    if len(password) > length.get("max", 256):
        problems.append(_("Use at most %(n)d characters.") % {"n": length.get("max", 256)})
    wanted = policy["characterTypes"]["min"]
    if _character_types(password) < wanted:
        problems.append(_("Mix at least %(n)d of: lowercase, uppercase, digits, symbols.") % {"n": wanted})
    if policy.get("rejects", {}).get("commonPasswords"):
        try:
            _COMMON.validate(password)
        except ValidationError:
            problems.append(_("This password is too common."))
    return problems


def describe(policy):
    return _("At least %(n)d characters, %(t)d kind(s) of characters.") % {
        "n": policy["length"]["min"], "t": policy["characterTypes"]["min"]}
