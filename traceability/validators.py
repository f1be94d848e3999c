"""Validators for the identifiers the platform trusts.

GS1 keys (GTIN, GLN, SSCC) are parsed and check-digit validated by ``biip``; the unified
social credit code (GB 32100-2015) and the LA mark number (``YY-PP-CCCNNN``) have no
maintained library, so their rules live here, each in one function.
"""

from __future__ import annotations

import re
import secrets

from biip import ParseError
from biip.gln import Gln
from biip.gtin import Gtin
from biip.sscc import Sscc
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# --- GB 32100-2015 unified social credit code ---------------------------------------------
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    if len(value) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters, got %(n)d."), code="length",
                              params={"n": len(value)})
    if not USCC_RE.match(value):
        raise ValidationError(
            _("A unified social credit code uses digits and capital letters except I, O, Z, S and V; "
              "characters 3 to 8 are the region code."),
            code="charset",
        )
    expected = uscc_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(_("Check character is wrong: expected %(expected)s, got %(got)s."),
                              code="check_character", params={"expected": expected, "got": value[17]})


# --- GS1 keys -----------------------------------------------------------------------------
def normalize_gtin(value: str) -> str:
    """Return the GTIN as 14 digits, or raise ValidationError naming the fault."""
    if not value or not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise ValidationError(_("A GTIN has 8, 12, 13 or 14 digits."), code="format")
    try:
        return Gtin.parse(value).as_gtin_14()
    except ParseError as exc:
        raise ValidationError(str(exc), code="check_digit") from exc


def validate_gtin14(value: str) -> None:
    if len(value) != 14 or not value.isdigit():
        raise ValidationError(_("A GTIN-14 has exactly 14 digits."), code="format")
    normalize_gtin(value)


def validate_gln(value: str) -> None:
    if len(value) != 13 or not value.isdigit():
        raise ValidationError(_("A GLN has exactly 13 digits."), code="format")
    try:
        Gln.parse(value)
    except ParseError as exc:
        raise ValidationError(str(exc), code="check_digit") from exc


def validate_sscc(value: str) -> None:
    if len(value) != 18 or not value.isdigit():
        raise ValidationError(_("An SSCC has exactly 18 digits."), code="format")
    try:
        Sscc.parse(value)
    except ParseError as exc:
        raise ValidationError(str(exc), code="check_digit") from exc


def gs1_check_digit(digits: str) -> str:
    """GS1 mod-10 check digit for a key without its check digit (used to mint SSCCs)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


# --- LA mark (特种劳动防护用品安全标志) number ---------------------------------------------
LA_MARK_RE = re.compile(r"^\d{2}-(\d{2}|[A-Z]{2})-(101|20[1-5]|30[1-3]|40[1-3]|50[1-8]|60[1-3])\d{3}$")
LA_MARK_DB_REGEX = r"^[0-9]{2}-([0-9]{2}|[A-Z]{2})-(101|20[1-5]|30[1-3]|40[1-3]|50[1-8]|60[1-3])[0-9]{3}$"


def validate_la_mark(value: str) -> None:
    if not LA_MARK_RE.match(value):
        raise ValidationError(
            _("An LA mark number reads YY-PP-CCCNNN: year, province or country code, a product code "
              "(101, 201-205, 301-303, 401-403, 501-508, 601-603) and a 3-digit sequence."),
            code="la_mark",
        )


# --- GB/T 2260 administrative division code -----------------------------------------------
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}
REGION_RE = re.compile(r"^\d{6}$")


def validate_region(value: str) -> None:
    if not REGION_RE.match(value) or value[:2] not in PROVINCE_CODES:
        raise ValidationError(_("A region is a 6-digit GB/T 2260 code starting with a province code."),
                              code="region")


# --- Serial numbers (GS1 AI 21) -----------------------------------------------------------
# 32 symbols, no 0/O/1/I confusion: 12 symbols carry 60 bits, above the 48-bit floor.
SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SERIAL_LENGTH = 12
AI21_RE = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")


def new_serial() -> str:
    """A random serial with 60 bits of entropy from the OS CSPRNG; never sequential."""
    n = int.from_bytes(secrets.token_bytes(8), "big") >> 4
    chars = []
    for _i in range(SERIAL_LENGTH):
        chars.append(SERIAL_ALPHABET[n & 31])
        n >>= 5
    return "".join(chars)


def new_serials(count: int) -> list[str]:
    """``count`` distinct random serials (uniqueness per GTIN is also a database constraint)."""
    serials: set[str] = set()
    while len(serials) < count:
        serials.update(new_serial() for _ in range(count - len(serials)))
    return list(serials)


def validate_serial(value: str) -> None:
    if not AI21_RE.match(value):
        raise ValidationError(_("A serial has 1 to 20 characters of the GS1 AI 21 set (CSET 82)."),
                              code="serial")
