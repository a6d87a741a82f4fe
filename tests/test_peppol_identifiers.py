"""peppol.identifiers: Swedish orgnr and VAT number, Bankgiro, PlusGiro, Peppol participant ids.

Check digits are computed in the test with an independent Luhn implementation; the
municipal organisation numbers are public registry facts (DOMAIN.md).
"""
from __future__ import annotations

import pytest
from stdnum import exceptions as stdnum_exceptions

from peppol.identifiers import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidIdentifier,
    InvalidLength,
    bankgiro,
    peppol_id,
    plusgiro,
    se_orgnr,
    se_vat,
)


def luhn_digit(digits: str) -> str:
    """Independent Luhn (mod 10) check digit: double every second digit from the right."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


# -- se_orgnr -------------------------------------------------------------------------------

MUNICIPALITIES = {"Tjörn": "2120001306", "Borås": "2120001561", "Västerås": "2120002080"}


@pytest.mark.parametrize("name,number", sorted(MUNICIPALITIES.items()))
def test_municipal_orgnr_are_valid(name, number):
    assert se_orgnr.validate(number) == number
    assert se_orgnr.is_valid(number) is True
    assert se_orgnr.validate(f"{number[:6]}-{number[6:]}") == number
    assert se_orgnr.format(number) == f"{number[:6]}-{number[6:]}"
    assert luhn_digit(number[:9]) == number[9]


def test_orgnr_compact_forms():
    assert se_orgnr.compact(" 212000-1306 ") == "2120001306"
    assert se_orgnr.compact("212000 1306") == "2120001306"
    assert se_orgnr.compact("16212000-1306") == "2120001306"  # century prefix 16 of the 12-digit form
    assert se_orgnr.validate("162120001306") == "2120001306"


def test_orgnr_wrong_check_digit():
    with pytest.raises(InvalidChecksum) as info:
        se_orgnr.validate("2120001307")
    assert str(info.value) == (
        "Swedish organisation number: the check digit is 7, the Luhn (modulus 10) check digit is 6.")
    assert se_orgnr.is_valid("2120001307") is False


@pytest.mark.parametrize("value,error,message", [
    ("212000130", InvalidLength, "Swedish organisation number: must have 10 digits, got 9."),
    ("21200013066", InvalidLength, "Swedish organisation number: must have 10 digits, got 11."),
    ("21200A1306", InvalidFormat, "Swedish organisation number: only digits (and the separator '-') are allowed."),
    ("", InvalidFormat, "Swedish organisation number: the value is empty."),
])
def test_orgnr_invalid_format(value, error, message):
    with pytest.raises(error) as info:
        se_orgnr.validate(value)
    assert str(info.value) == message


def test_errors_are_value_errors_and_stdnum_errors_without_echoing_the_value():
    with pytest.raises(ValueError) as info:
        se_orgnr.validate("2120001307")
    err = info.value
    assert isinstance(err, InvalidIdentifier)
    assert isinstance(err, stdnum_exceptions.InvalidChecksum)
    assert isinstance(err, stdnum_exceptions.ValidationError)
    assert "2120001307" not in str(err)
    assert isinstance(InvalidLength("x"), stdnum_exceptions.InvalidLength)
    assert isinstance(InvalidLength("x"), InvalidFormat)


# -- se_vat ---------------------------------------------------------------------------------

def test_se_vat_valid_forms():
    assert se_vat.validate("SE212000130601") == "SE212000130601"
    assert se_vat.validate("SE 212000-1306 01") == "SE212000130601"
    assert se_vat.validate("se212000130601") == "SE212000130601"
    assert se_vat.validate("212000130601") == "SE212000130601"
    assert se_vat.format("SE 2120001306 01") == "SE212000130601"
    assert se_vat.is_valid("SE212000156101") is True


@pytest.mark.parametrize("value,error,message", [
    ("SE12345678900199", InvalidLength, "Swedish VAT number: must have 14 characters (SE + 12 digits, SE-R-001), got 16."),
    ("SE1234567890XY", InvalidFormat, "Swedish VAT number: the 12 characters after 'SE' must be digits (SE-R-002)."),
    ("SE212000130602", InvalidComponent, "Swedish VAT number: must end with '01' after the organisation number."),
    ("SE212000130701", InvalidChecksum,
     "Swedish VAT number (organisation number part): the check digit is 7, the Luhn (modulus 10) check digit is 6."),
    ("DK12345678", InvalidFormat, "Swedish VAT number: must start with the country prefix 'SE'."),
])
def test_se_vat_invalid(value, error, message):
    with pytest.raises(error) as info:
        se_vat.validate(value)
    assert str(info.value) == message
    assert se_vat.is_valid(value) is False


# -- bankgiro -------------------------------------------------------------------------------

def test_bankgiro_synthetic_numbers():
    seven = "123456" + luhn_digit("123456")
    eight = "5050105" + luhn_digit("5050105")
    assert (seven, eight) == ("1234566", "50501055")
    assert bankgiro.validate(seven) == "1234566"
    assert bankgiro.validate("123-4566") == "1234566"
    assert bankgiro.format(seven) == "123-4566"
    assert bankgiro.validate("5050-1055") == "50501055"
    assert bankgiro.format(eight) == "5050-1055"
    assert bankgiro.compact(" 5050 - 1055 ") == "50501055"


@pytest.mark.parametrize("value,error,message", [
    ("1234567", InvalidChecksum, "Bankgiro number: the check digit is 7, the Luhn (modulus 10) check digit is 6."),
    ("123456", InvalidLength, "Bankgiro number: must have 7 or 8 digits (SE-R-009), got 6."),
    ("123456789", InvalidLength, "Bankgiro number: must have 7 or 8 digits (SE-R-009), got 9."),
    ("12A-4566", InvalidFormat, "Bankgiro number: only digits (and the separator '-') are allowed (SE-R-008)."),
])
def test_bankgiro_invalid(value, error, message):
    with pytest.raises(error) as info:
        bankgiro.validate(value)
    assert str(info.value) == message
    assert bankgiro.is_valid(value) is False


# -- plusgiro -------------------------------------------------------------------------------

def test_plusgiro_synthetic_numbers():
    two = "1" + luhn_digit("1")
    seven = "902003" + luhn_digit("902003")
    assert (two, seven) == ("18", "9020033")
    assert plusgiro.validate("18") == "18"
    assert plusgiro.format("18") == "1-8"
    assert plusgiro.validate("90 20 03-3") == "9020033"
    assert plusgiro.format("9020033") == "902003-3"
    assert plusgiro.is_valid("9020033") is True


@pytest.mark.parametrize("value,error,message", [
    ("9020034", InvalidChecksum, "PlusGiro number: the check digit is 4, the Luhn (modulus 10) check digit is 3."),
    ("1", InvalidLength, "PlusGiro number: must have 2 to 8 digits (SE-R-010), got 1."),
    ("123456789", InvalidLength, "PlusGiro number: must have 2 to 8 digits (SE-R-010), got 9."),
    ("90200x-3", InvalidFormat, "PlusGiro number: only digits (and the separator '-') are allowed (SE-R-007)."),
])
def test_plusgiro_invalid(value, error, message):
    with pytest.raises(error) as info:
        plusgiro.validate(value)
    assert str(info.value) == message


# -- peppol_id ------------------------------------------------------------------------------

def test_peppol_id_parse():
    assert peppol_id.parse("0007:5567321707") == ("0007", "5567321707")
    parsed = peppol_id.parse("iso6523-actorid-upis::0007:212000-1306")
    assert parsed == ("0007", "2120001306")
    assert (parsed.scheme, parsed.value) == ("0007", "2120001306")
    assert str(parsed) == "0007:2120001306"
    assert parsed.qualified == "iso6523-actorid-upis::0007:2120001306"
    assert peppol_id.validate(" 0007:2120001561 ") == "0007:2120001561"
    assert peppol_id.format("0007:212000-2080") == "0007:2120002080"
    assert peppol_id.compact("0007:212000-2080") == "0007:2120002080"
    assert peppol_id.parse("0088:7300010000001") == ("0088", "7300010000001")
    assert peppol_id.parse("0192:987654325") == ("0192", "987654325")  # no value rule for 0192 here
    assert peppol_id.is_valid("0007:2120001306") is True


@pytest.mark.parametrize("value,error,message", [
    ("0007:2120001307", InvalidChecksum,
     "Swedish organisation number: the check digit is 7, the Luhn (modulus 10) check digit is 6."),
    ("0007:21200013", InvalidLength, "Swedish organisation number: must have 10 digits, got 8."),
    ("2120001306", InvalidFormat,
     "Peppol participant identifier: expected 'scheme:value', e.g. '0007:2120001306' (no ':' found)."),
    ("9999:2120001306", InvalidComponent,
     "Peppol participant identifier: unknown identifier scheme '9999' (not in the EAS code list, BR-CL-25)."),
    (":2120001306", InvalidFormat, "Peppol participant identifier: the scheme before ':' is empty."),
    ("0192:", InvalidFormat, "Peppol participant identifier: the value after the scheme 0192 is empty."),
    ("0088:7300010000002", InvalidChecksum,
     "Peppol participant identifier: the GS1 check digit of the GLN (scheme 0088) is wrong (PEPPOL-COMMON-R040)."),
])
def test_peppol_id_invalid(value, error, message):
    with pytest.raises(error) as info:
        peppol_id.parse(value)
    assert str(info.value) == message
    assert peppol_id.is_valid(value) is False
