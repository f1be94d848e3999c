"""Every identifier validator with real valid and invalid codes."""

import pytest
from django.core.exceptions import ValidationError

from traceability import validators as v

# Published codes of well-known companies (Shenzhen, Hangzhou, Beijing registrations).
VALID_USCC = ["914403001922038216", "91330100716105852F", "9144030071526726XG", "91110108551385082Q"]


@pytest.mark.parametrize("code", VALID_USCC)
def test_uscc_valid(code):
    v.validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91350100M000100Y4", "length"),          # 17 characters
        ("91350100M000100Y44", "check_character"),  # wrong check character
        ("91350100M0001O0Y43", "charset"),        # letter O is not in the GB 32100 set
        ("9135010AM000100Y43", "charset"),        # region part must be digits
    ],
)
def test_uscc_invalid(code, error_code):
    with pytest.raises(ValidationError) as exc:
        v.validate_uscc(code)
    assert exc.value.code == error_code


def test_uscc_check_character_computation():
    assert v.uscc_check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize("gtin", ["06901234567892", "00012345600012", "09506000134352"])
def test_gtin14_valid(gtin):
    v.validate_gtin14(gtin)


@pytest.mark.parametrize(
    ("gtin", "code"),
    [("06901234567893", "check_digit"), ("6901234567892", "format"), ("0690123456789A", "format")],
)
def test_gtin14_invalid(gtin, code):
    with pytest.raises(ValidationError) as exc:
        v.validate_gtin14(gtin)
    assert exc.value.code == code


def test_normalize_gtin_pads_gtin13_to_14():
    assert v.normalize_gtin("6901234567892") == "06901234567892"


def test_gln_valid_and_invalid():
    v.validate_gln("6901234000009")
    with pytest.raises(ValidationError) as exc:
        v.validate_gln("6901234000006")
    assert exc.value.code == "check_digit"
    with pytest.raises(ValidationError) as exc:
        v.validate_gln("690123400000")
    assert exc.value.code == "format"


def test_sscc_valid_and_invalid():
    v.validate_sscc("106141411234567897")
    with pytest.raises(ValidationError) as exc:
        v.validate_sscc("106141411234567898")
    assert exc.value.code == "check_digit"


def test_gs1_check_digit_matches_biip():
    assert v.gs1_check_digit("0690123456789") == "2"
    assert v.gs1_check_digit("10614141123456789") == "7"


@pytest.mark.parametrize("number", ["21-32-101001", "19-44-601123", "23-DE-201045", "20-11-505009"])
def test_la_mark_valid(number):
    v.validate_la_mark(number)


@pytest.mark.parametrize("number", ["21-32-701001", "2132101001", "21-3-101001", "21-32-10100", "21-32-206001"])
def test_la_mark_invalid(number):
    with pytest.raises(ValidationError):
        v.validate_la_mark(number)


def test_region():
    v.validate_region("320500")
    for bad in ("990000", "32050", "32050A"):
        with pytest.raises(ValidationError):
            v.validate_region(bad)


def test_serials_are_random_unique_and_ai21():
    serials = v.new_serials(20_000)
    assert len(set(serials)) == 20_000
    for s in serials[:500]:
        v.validate_serial(s)
        assert len(s) == v.SERIAL_LENGTH
    # 12 symbols of a 32-symbol alphabet: 60 bits, above the 48-bit floor of DESIGN §2.
    assert len(v.SERIAL_ALPHABET) ** v.SERIAL_LENGTH >= 2**48
    # Not sequential: sorted order differs from generation order almost surely.
    assert serials[:100] != sorted(serials[:100])


def test_serial_rejects_characters_outside_cset82():
    for bad in ("ABC DEF", "序列号", "A" * 21, ""):
        with pytest.raises(ValidationError):
            v.validate_serial(bad)
