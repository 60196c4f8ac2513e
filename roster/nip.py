"""NIP (Nomor Induk Pegawai), NI PPPK and NIK: normalising what rosters and forms
contain, and validating the structure, not only the length.

Both numbers have 18 digits laid out alike::

    PNS      YYYYMMDD  YYYYMM      S  NNN    birth date, CPNS appointment, sex, sequence
    PPPK     YYYYMMDD  YYYY  XX    S  NNN    birth date, appointment year, two digits, sex, sequence

The two digits after a PPPK appointment year are not documented publicly, so
they are accepted as they are. How the numbers are written (grouped, masked, in
file names) is ``roster.identity``.

Excel mangles NIPs in three ways that we see in real rosters: spaces between the
groups, a leading apostrophe (Excel's "treat as text" marker) and — the dangerous
one — the NIP stored as a number, which keeps only ~15 significant digits. The
first two are normalised; a number is refused, because its last digits are gone
and no program can get them back.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netralitas.lib.text import strip_hidden

NIP_LENGTH = 18
NIK_LENGTH = 16
_GROUPING = re.compile(r"[\s.\-]+")
_EXCEL_NUMBER = re.compile(r"^\d+(\.\d*)?[eE][+-]?\d+$|^\d+\.\d+$")

EARLIEST_BIRTH_YEAR = 1940
ADULT_AGE = 18

NON_LATIN_DIGITS_MESSAGE = _(
    "%(label)s %(value)s memuat angka selain 0–9 (mis. angka Arab atau angka lebar penuh). "
    "Ketik ulang dengan angka 0–9 biasa."
)

FLOAT_MESSAGE = _(
    "NIP terbaca sebagai angka Excel (%(value)s): digit terakhirnya sudah hilang. "
    "Format kolom NIP sebagai Teks di Excel, ketik ulang NIP-nya, lalu unggah kembali."
)


def normalise_nip(raw):
    """Return the 18-digit string for ``raw`` or raise ``ValidationError``.

    Accepts strings with spaces, dots or dashes between the groups and a leading
    apostrophe; refuses Excel numbers (floats, ``1.98001E+17``) because they have
    lost digits. Structure is checked separately by :func:`validate_nip`.
    """
    if raw is None:
        raise ValidationError(_("NIP wajib diisi."), code="required")
    if isinstance(raw, float | Decimal):
        raise ValidationError(FLOAT_MESSAGE, code="excel_number", params={"value": raw})
    if isinstance(raw, int) and not isinstance(raw, bool):
        # An integer read from xlsx keeps every digit only if Excel never held it as
        # a double; 18-digit values exceed 2**53, so treat them as damaged too.
        if raw >= 2**53:
            raise ValidationError(FLOAT_MESSAGE, code="excel_number", params={"value": raw})
        raw = str(raw)
    text = str(raw).strip().lstrip("'’`").strip()
    if not text:
        raise ValidationError(_("NIP wajib diisi."), code="required")
    if _EXCEL_NUMBER.match(text):
        raise ValidationError(FLOAT_MESSAGE, code="excel_number", params={"value": text})
    digits = _GROUPING.sub("", text)
    if digits.isdigit() and not digits.isascii():
        raise ValidationError(NON_LATIN_DIGITS_MESSAGE, code="non_latin_digits", params={"label": "NIP", "value": text})
    if not digits.isdigit() or not digits.isascii():
        raise ValidationError(
            _("NIP hanya boleh berisi angka (boleh dipisah spasi): %(value)s."),
            code="not_digits",
            params={"value": strip_hidden(text)},
        )
    if len(digits) != NIP_LENGTH:
        raise ValidationError(
            _("NIP harus 18 digit, yang ini %(count)s digit: %(value)s."),
            code="length",
            params={"count": len(digits), "value": text},
        )
    return digits


def _birth_date(nip, today):
    try:
        born = datetime.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise ValidationError(
            _("NIP %(nip)s: digit 1–8 (%(part)s) bukan tanggal lahir yang ada."),
            code="birth_date",
            params={"nip": nip, "part": nip[0:8]},
        ) from None
    if born.year < EARLIEST_BIRTH_YEAR or born > today:
        raise ValidationError(
            _("NIP %(nip)s: tahun lahir %(year)s tidak mungkin untuk pegawai aktif."),
            code="birth_year",
            params={"nip": nip, "year": born.year},
        )
    return born


def validate_nip(nip, employment_type="PNS", *, today=None):
    """Check an 18-digit NIP against the PNS or the PPPK layout.

    The message names the rule that failed, so an operator can fix the roster row.
    ``today`` may be given once for many NIPs (an import of 50,000 rows).
    """
    nip = normalise_nip(nip)
    today = today or timezone.localdate()
    born = _birth_date(nip, today)
    year = int(nip[8:12])
    if employment_type == "PPPK":
        if year > today.year + 1:
            raise ValidationError(
                _("NI PPPK %(nip)s: tahun pengangkatan %(year)s (digit 9–12) masih jauh di masa depan."),
                code="appointment_future",
                params={"nip": nip, "year": year},
            )
        if year < born.year + ADULT_AGE:
            raise ValidationError(
                _("NI PPPK %(nip)s: tahun pengangkatan %(year)s (digit 9–12) sebelum usia 18 tahun (lahir %(born)s)."),
                code="appointment",
                params={"nip": nip, "year": year, "born": born.year},
            )
    else:
        month = int(nip[12:14])
        if not 1 <= month <= 12:
            raise ValidationError(
                _("NIP %(nip)s: digit 13–14 (%(part)s) bukan bulan pengangkatan 01–12."),
                code="appointment_month",
                params={"nip": nip, "part": nip[12:14]},
            )
        appointed = (year, month)
        if appointed > (today.year + 1, 12):
            raise ValidationError(
                _("NIP %(nip)s: pengangkatan %(month)02d/%(year)s (digit 9–14) masih jauh di masa depan."),
                code="appointment_future",
                params={"nip": nip, "month": month, "year": year},
            )
        if appointed < (born.year + ADULT_AGE, born.month):
            raise ValidationError(
                _(
                    "NIP %(nip)s: pengangkatan %(month)02d/%(year)s (digit 9–14) sebelum usia 18 tahun "
                    "(lahir %(born)s)."
                ),
                code="appointment",
                params={"nip": nip, "month": month, "year": year, "born": born.isoformat()},
            )
    if nip[14] not in "12":
        raise ValidationError(
            _("NIP %(nip)s: digit ke-15 (%(digit)s) harus 1 (laki-laki) atau 2 (perempuan)."),
            code="sex",
            params={"nip": nip, "digit": nip[14]},
        )
    if nip[15:18] == "000":
        raise ValidationError(
            _("NIP %(nip)s: nomor urut (digit 16–18) tidak boleh 000."),
            code="sequence",
            params={"nip": nip},
        )
    return nip


def normalise_nik(raw):
    """Return the 16-digit NIK for ``raw`` (spaces and a leading apostrophe dropped)
    or raise ``ValidationError`` saying what is wrong with it."""
    if isinstance(raw, float | Decimal | int) and not isinstance(raw, bool):
        raise ValidationError(
            _("NIK terbaca sebagai angka Excel; format kolom NIK sebagai Teks, ketik ulang, lalu unggah kembali."),
            code="excel_number",
        )
    text = "".join(str(raw or "").strip().lstrip("'’`").split())
    if not text:
        raise ValidationError(_("NIK wajib diisi."), code="required")
    if text.isdigit() and not text.isascii():
        raise ValidationError(NON_LATIN_DIGITS_MESSAGE, code="non_latin_digits", params={"label": "NIK", "value": text})
    if not (text.isascii() and text.isdigit()):
        raise ValidationError(
            _("NIK hanya boleh berisi angka 0–9: %(value)s."), code="not_digits", params={"value": strip_hidden(text)}
        )
    if len(text) != NIK_LENGTH:
        raise ValidationError(
            _("NIK harus 16 digit, yang ini %(count)s digit: %(value)s."),
            code="length",
            params={"count": len(text), "value": text},
        )
    return text
