"""The sign-in experience of a tenant, in Logto's shape (one row per tenant)."""
from django.db import models


def default_sign_up():
    return {"identifiers": ["username"], "password": True, "verify": False}


def default_sign_in():
    return {"methods": [{"identifier": "username", "password": True, "verificationCode": False,
                         "isPasswordPrimary": True}]}


class SignInExperience(models.Model):
    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="sign_in_experience")
    sign_up = models.JSONField(default=default_sign_up)
    sign_in = models.JSONField(default=default_sign_in)
    sign_in_mode = models.CharField(max_length=20, default="SignInAndRegister")
    updated_at = models.DateTimeField(auto_now=True)
