"""Phone numbers: normalise what people type to E.164, and mask numbers for logs."""
import phonenumbers
from django.utils.translation import gettext as _

# Longer input is not a phone number; refusing it early keeps the parser's work bounded.
MAX_INPUT_LENGTH = 40


class InvalidPhone(ValueError):
    """The input is not a valid phone number; the message can be shown to the person who typed it."""


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """E.164 form (`+8613800138000`) of a number typed as `+86 138 0013 8000`, `0086 138-0013-8000` or `13800138000`."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise InvalidPhone(_("Enter a phone number."))
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidPhone(_("That is too long to be a phone number."))
    # "00" is the international call prefix in most countries, whatever the default region's own prefix is.
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(_("That doesn't look like a phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_("This phone number is not valid. Check the digits and the country code."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """`+86*******8000`: country code and last 4 digits kept, for log lines. Never raises."""
    text = str(e164)
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return _mask_digits(text)
    national = phonenumbers.national_significant_number(number)
    return f"+{number.country_code}" + "*" * max(len(national) - 4, 0) + national[-4:]


def region_of(e164: str) -> str | None:
    """ISO region of an E.164 number (`CN`), or None when it belongs to no region (e.g. +800 freephone)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    no_region = (phonenumbers.UNKNOWN_REGION, phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY)
    return region if region and region not in no_region else None


def _mask_digits(text: str) -> str:
    return "*" * max(len(text) - 4, 0) + text[-4:]
