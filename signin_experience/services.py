"""Writes on sign-in experiences."""
from django.core.exceptions import ValidationError
from django.db import transaction

from console.audit.services import audit_record, changed_fields
from signin_experience.models import SignInExperience
from signin_experience.rules import validate_experience


class ExperienceInvalid(ValidationError):
    def __init__(self, rule_errors):
        super().__init__([error.message for error in rule_errors])
        self.rule_errors = rule_errors


def sign_in_methods_missing(settings):
    """The sign-in methods a save adds: one per sign-up identifier that is not a sign-in method yet (Logto's rule
    `miss_sign_up_identifier_in_sign_in`; Logto's console adds them too), with a verification code when sign-up
    creates no password, else with a password. The console says so before and after saving."""
    present = {m["identifier"] for m in settings["sign_in"]["methods"]}
    added = []
    for identifier in settings["sign_up"]["identifiers"]:
        if identifier not in present:
            code = identifier != "username" and not settings["sign_up"]["password"]
            added.append({"identifier": identifier, "password": settings["sign_up"]["password"] or not code,
                          "verificationCode": code, "isPasswordPrimary": not code})
    return added


def with_sign_up_identifiers_in_sign_in(settings):
    return dict(settings, sign_in={"methods": [*settings["sign_in"]["methods"], *sign_in_methods_missing(settings)]})


@transaction.atomic
def experience_update(*, tenant, acting_user, settings, has_sms_connector):
    settings = with_sign_up_identifiers_in_sign_in(settings)
    errors = validate_experience(settings, has_sms_connector=has_sms_connector)
    if errors:
        raise ExperienceInvalid(errors)
    experience = SignInExperience.objects.select_for_update().get_or_create(tenant=tenant)[0]
    before = experience.as_settings()
    for key, value in settings.items():
        setattr(experience, key, value)
    experience.save()
    diff = changed_fields(before, settings)
    if diff:
        audit_record(tenant=tenant, actor=acting_user, action="sign_in_experience.update", target=tenant,
                     changes=diff)
    return experience
