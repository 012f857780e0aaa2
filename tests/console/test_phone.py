"""Phone numbers: what people type becomes E.164; logs see masked numbers."""
import pytest

from console.phone import InvalidPhone, mask_phone, normalize_phone, region_of

# The suite-wide autouse fixture clears the database-backed cache before every test.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "default_region", "e164"),
    [
        ("+86 138 0013 8000", "CN", "+8613800138000"),
        ("0086 138-0013-8000", "CN", "+8613800138000"),
        ("13800138000", "CN", "+8613800138000"),
        ("  138 0013 8000  ", "CN", "+8613800138000"),
        ("+86 (138) 0013.8000", "CN", "+8613800138000"),
        ("0086 138-0013-8000", "US", "+8613800138000"),
        ("+1 (201) 555-0123", "CN", "+12015550123"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("+65 8123 4567", "CN", "+6581234567"),
        ("+852 5123 4567", "CN", "+85251234567"),
        ("+44 7911 123456", "CN", "+447911123456"),
    ],
)
def test_typed_numbers_become_e164(typed, default_region, e164):
    assert normalize_phone(typed, default_region=default_region) == e164


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "hello", "123", "+86 138", "+86 1380013800099", "1" * 60, "+999 1234 5678", None, 13800138000],
)
def test_invalid_numbers_are_refused_in_plain_words(typed):
    with pytest.raises(InvalidPhone) as raised:
        normalize_phone(typed)

    assert str(raised.value).endswith(".")
    assert "Exception" not in str(raised.value)


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+8613800138000", "+86*******8000"),
        ("+12015550123", "+1******0123"),
        ("+6581234567", "+65****4567"),
        ("not a number", "********mber"),
        ("12", "12"),
    ],
)
def test_masked_numbers_keep_the_country_code_and_last_four_digits(e164, masked):
    assert mask_phone(e164) == masked


@pytest.mark.parametrize(
    ("e164", "region"),
    [("+8613800138000", "CN"), ("+12015550123", "US"), ("+85251234567", "HK"), ("+80012345678", None), ("x", None)],
)
def test_the_region_of_a_number(e164, region):
    assert region_of(e164) == region
