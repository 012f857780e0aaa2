import pytest

from signin_experience.selectors import experience_for


@pytest.fixture
def phone_experience(tenant, tencent_connector):
    """The seed guide's setup: phone sign-up (verify on, no password), phone + verification code sign-in."""
    experience = experience_for(tenant)
    experience.sign_up = {"identifiers": ["phone"], "password": False, "verify": True}
    experience.sign_in = {"methods": [
        {"identifier": "phone", "password": True, "verificationCode": True, "isPasswordPrimary": False},
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
    ]}
    experience.forgot_password_methods = ["PhoneVerificationCode"]
    experience.save()
    return experience


@pytest.fixture
def app(tenant, admin, make_app):
    return make_app(tenant, admin)
