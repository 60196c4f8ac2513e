import pytest
from django.core.exceptions import ValidationError

from roster.identity import format_nip, mask_nip
from roster.nip import normalise_nik, normalise_nip, validate_nip

VALID_PNS = "198001012005011001"
VALID_PPPK = "199009132025242014"  # the NI PPPK example in domain.md


def code_of(call, *args):
    with pytest.raises(ValidationError) as caught:
        call(*args)
    return caught.value.code, caught.value.messages[0]


class TestNormalise:
    def test_plain_digits(self):
        assert normalise_nip(VALID_PNS) == VALID_PNS

    def test_spaces_between_groups(self):
        assert normalise_nip("19800101 200501 1 001") == VALID_PNS

    def test_leading_apostrophe_and_outer_spaces(self):
        assert normalise_nip("  '19800101 200501 1 001 ") == VALID_PNS

    def test_dots_and_dashes(self):
        assert normalise_nip("19800101.200501.1.001") == VALID_PNS
        assert normalise_nip("19800101-200501-1-001") == VALID_PNS

    @pytest.mark.parametrize("value", [1.98001e17, 198001012005011001.0, "1.98001E+17", "1.98001012005011E+17"])
    def test_excel_number_is_refused(self, value):
        code, message = code_of(normalise_nip, value)
        assert code == "excel_number"
        assert "Teks" in message

    def test_integer_beyond_double_precision_is_refused(self):
        assert code_of(normalise_nip, 198001012005011001)[0] == "excel_number"

    def test_float_string_with_decimals_is_refused(self):
        assert code_of(normalise_nip, "198001012005011001.0")[0] == "excel_number"

    @pytest.mark.parametrize("value", ["19800101200501100", "1980010120050110011", ""])
    def test_wrong_length(self, value):
        code, message = code_of(normalise_nip, value)
        assert code in {"length", "required"}

    def test_length_message_counts_digits(self):
        assert code_of(normalise_nip, "19800101200501100") == (
            "length",
            "NIP harus 18 digit, yang ini 17 digit: 19800101200501100.",
        )

    def test_letters(self):
        assert code_of(normalise_nip, "19800101200501100A")[0] == "not_digits"

    @pytest.mark.parametrize(
        "value", ["١٩٨٠٠١٠١٢٠٠٥٠١١٠٠١", "１９８００１０１２００５０１１００１", "19800101200501100²"]
    )
    def test_non_latin_digits_are_named(self, value):
        code, message = code_of(normalise_nip, value)
        assert code == "non_latin_digits"
        assert "angka 0–9" in message


class TestNik:
    def test_spaces_and_apostrophe(self):
        assert normalise_nik("'1371 0101 0190 0001") == "1371010101900001"

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("١٣٧١٠١٠١٠١٩٠٠٠٠١", "non_latin_digits"),  # Arabic-Indic digits: not a raw constraint name
            ("１３７１０１０１０１９０００１", "non_latin_digits"),
            ("137101010190000", "length"),
            ("13710101019000A1", "not_digits"),
            (1371010101900001, "excel_number"),
            ("  ", "required"),
        ],
    )
    def test_refusals_say_what_is_wrong(self, value, code):
        assert code_of(normalise_nik, value)[0] == code


class TestValidate:
    def test_valid_pns(self):
        assert validate_nip(VALID_PNS, "PNS") == VALID_PNS

    def test_valid_pppk(self):
        assert validate_nip(VALID_PPPK, "PPPK") == VALID_PPPK

    def test_pppk_digits_are_not_a_month_for_pns(self):
        code, message = code_of(validate_nip, VALID_PPPK, "PNS")
        assert code == "appointment_month"
        assert "24" in message

    @pytest.mark.parametrize("birth", ["19800230", "19801301", "19800100", "19810229"])
    def test_impossible_birth_date(self, birth):
        assert code_of(validate_nip, f"{birth}200501 1 001", "PNS")[0] == "birth_date"

    def test_leap_day_birth_is_fine(self):
        assert validate_nip("19800229 200501 1 001", "PNS") == "198002292005011001"

    def test_birth_year_too_early(self):
        assert code_of(validate_nip, "19200101 195001 1 001", "PNS")[0] == "birth_year"

    def test_appointment_before_eighteenth_birthday(self):
        code, message = code_of(validate_nip, "19900615 200801 1 001", "PNS")
        assert code == "appointment"
        assert "18" in message

    def test_appointment_on_eighteenth_birthday_month(self):
        assert validate_nip("19900615 200806 1 001", "PNS")

    def test_appointment_in_far_future_is_called_so(self):
        code, message = code_of(validate_nip, "19900615 209901 1 001", "PNS")
        assert code == "appointment_future"
        assert "masa depan" in message and "18 tahun" not in message

    def test_pppk_appointment_in_far_future_is_called_so(self):
        code, message = code_of(validate_nip, "199009132090242014", "PPPK")
        assert code == "appointment_future"
        assert "masa depan" in message and "18 tahun" not in message

    def test_pppk_appointment_year_before_adulthood(self):
        assert code_of(validate_nip, "200501012020241001", "PPPK")[0] == "appointment"

    @pytest.mark.parametrize("digit", ["0", "3", "9"])
    def test_bad_sex_digit(self, digit):
        code, message = code_of(validate_nip, f"19800101200501{digit}001", "PNS")
        assert code == "sex"
        assert f"({digit})" in message

    def test_sequence_zero(self):
        assert code_of(validate_nip, "198001012005011000", "PNS")[0] == "sequence"

    def test_validate_normalises_first(self):
        assert validate_nip("'19800101 200501 1 001", "PNS") == VALID_PNS


def test_format_and_mask():
    assert format_nip(VALID_PNS) == "19800101 200501 1 001"
    masked = mask_nip(VALID_PNS)
    assert masked == "1980**** 200501 * **1"
    assert "0101" not in masked
