"""The shape of a one-time verification code: length, alphabet, generator and validator.

It sits below both apps that handle codes: the sign-in experience issues and checks them, and the SMS pipeline
(connectors), which must not import the sign-in experience, refuses anything else before it is queued.
"""
import re
import secrets

from django.core.validators import RegexValidator

# Digits, because phones offer a numeric keypad for one-time codes; at most 6, because Tencent's verification-code
# template variables take no more (a longer code would be refused by the provider after it was queued).
LENGTH = 6
ALPHABET = "0123456789"
PATTERN = f"[{ALPHABET}]{{{LENGTH}}}"  # also the hosted form's HTML `pattern`, which is anchored implicitly

_WHOLE = re.compile(rf"\A{PATTERN}\Z")
code_validator = RegexValidator(_WHOLE)


def code_generate():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def code_is_valid(value):
    return isinstance(value, str) and _WHOLE.match(value) is not None
