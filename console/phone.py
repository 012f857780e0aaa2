"""Phone numbers: normalise what people type to E.164, format and mask numbers, name regions and their dial codes."""
import phonenumbers
from phonenumbers.geodata.locale import LOCALE_DATA
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


def format_international(e164: str) -> str:
    """`+86 139 0013 9001` for people to read; the input unchanged when it does not parse. Never raises."""
    try:
        number = phonenumbers.parse(str(e164), None)
    except phonenumbers.NumberParseException:
        return str(e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def region_name(region: str, language: str) -> str:
    """The region's name in `language` (`中国`, `China`) from phonenumbers' locale data; the code itself when it
    has none."""
    names = LOCALE_DATA.get(region, {})
    base = (language or "en").lower().split("-")[0]
    name = names.get(base) or names.get("en", "")
    if name.startswith("*"):  # "*xx": the same name as language xx's
        name = names.get(name[1:], "")
    return name or region


def dial_code(region: str) -> int:
    """The country calling code of an ISO region (`CN` → 86); 0 for an unknown region."""
    return phonenumbers.country_code_for_region(region)


def example_national(region: str) -> str:
    """An example mobile number of the region as dialled there (`139 0013 9001`), for placeholders and previews."""
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def example_e164(region: str) -> str:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else ""
