"""The sign-in experience of a tenant, in Logto's shape (one row per tenant), and verification codes."""
from django.db import models

from signin_experience import code_policy


def default_sign_up():
    return {"identifiers": ["username"], "password": True, "verify": False}


def default_sign_in():
    return {"methods": [{"identifier": "username", "password": True, "verificationCode": False,
                         "isPasswordPrimary": True}]}


def default_color():
    return {"primaryColor": "#5d34f2", "isDarkModeEnabled": False, "darkPrimaryColor": "#8b6cff"}


def default_language():
    return {"autoDetect": True, "fallbackLanguage": "en"}


def default_password_policy():
    return {"length": {"min": 8, "max": 256}, "characterTypes": {"min": 1}, "rejects": {"commonPasswords": True}}


def default_code_policy():
    return code_policy.defaults()  # named here for the migrations


class SignInExperience(models.Model):
    class Mode(models.TextChoices):
        SIGN_IN = "SignIn", "Sign in only"
        REGISTER = "Register", "Register only"
        SIGN_IN_AND_REGISTER = "SignInAndRegister", "Sign in and register"

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="sign_in_experience")
    sign_up = models.JSONField(default=default_sign_up)
    sign_in = models.JSONField(default=default_sign_in)
    sign_in_mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.SIGN_IN_AND_REGISTER)
    forgot_password_methods = models.JSONField(default=list)
    branding = models.JSONField(default=dict)
    color = models.JSONField(default=default_color)
    terms_of_use_url = models.URLField(max_length=2048, blank=True, default="")
    privacy_policy_url = models.URLField(max_length=2048, blank=True, default="")
    language_info = models.JSONField(default=default_language)
    password_policy = models.JSONField(default=default_password_policy)
    code_policy = models.JSONField(default=default_code_policy)
    updated_at = models.DateTimeField(auto_now=True)

    SETTINGS_FIELDS = ("sign_up", "sign_in", "sign_in_mode", "forgot_password_methods", "branding", "color",
                       "terms_of_use_url", "privacy_policy_url", "language_info", "password_policy", "code_policy")

    def as_settings(self):
        return {field: getattr(self, field) for field in self.SETTINGS_FIELDS}


class VerificationCode(models.Model):
    """One live code per (tenant, phone, purpose, sign-in flow); a new code replaces the previous one."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    purpose = models.CharField(max_length=16)
    flow_id = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)
    # The SmsMessage that carried it (by id: the delivery log outlives codes and belongs to connectors).
    message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "phone", "purpose", "flow_id"], name="one_code_per_flow"),
        ]
