"""An employee's optional contact details — an Indonesian mobile number and an email
address — used to remind non-signers (``ceremonies.reminders``): normalising what
forms and rosters contain, and the ways of writing them.

A mobile number is stored in one canonical shape, ``628…`` (what ``wa.me`` wants),
whichever way it was typed: ``0812-3456-7890``, ``+62 812 3456 7890``,
``62812…``, or ``812…`` (Excel drops the leading zero of a number column). The
database refuses any other shape (``employee_phone_canonical``).

Where each form is used:

* :func:`local_phone` — the operator's pages and the roster export: ``0812-3456-7890``;
* :func:`mask_phone` — everywhere else (auditors, the audit trail): ``0812*****890``;
  public pages never show a number at all;
* the canonical ``628…`` — ``wa.me`` links only.
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from netralitas.lib.text import validate_visible

# 62, then 8 and the operator's prefix digit, then 7–10 digits: a local number of
# 10–13 digits (0812-345-678 … 0812-3456-78901).
PHONE_PATTERN = r"^628[1-9][0-9]{7,10}$"
PHONE_MAX_LENGTH = 14
_PHONE = re.compile(PHONE_PATTERN)
_SEPARATORS = re.compile(r"[\s.\-()/]+")
_EXCEL_NUMBER = re.compile(r"^\d+(\.\d*)?[eE][+-]?\d+$")
# Only the shape of an address; Django's EmailValidator decides in forms and imports.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"

PHONE_MESSAGE = _(
    "Nomor HP “%(value)s” bukan nomor seluler Indonesia. Tulis seperti 0812-3456-7890 atau +62 812-3456-7890."
)
PHONE_EXCEL_MESSAGE = _(
    "Nomor HP terbaca sebagai angka Excel (%(value)s): digitnya sudah hilang. "
    "Format kolom Nomor HP sebagai Teks di Excel, ketik ulang nomornya, lalu unggah kembali."
)
EMAIL_MESSAGE = _("Alamat email “%(value)s” tidak valid. Tulis seperti nama@instansi.go.id.")
# Refused, never stripped: a number or address pasted with a direction override or a
# zero-width space is not what the person sees, so they must look at it again.
PHONE_HIDDEN_MESSAGE = _(
    "Nomor HP memuat karakter tersembunyi (%(codes)s) yang tidak tampak di layar. "
    "Ketik ulang nomornya tanpa menyalin-tempel, lalu simpan lagi."
)
EMAIL_HIDDEN_MESSAGE = _(
    "Alamat email memuat karakter tersembunyi (%(codes)s) yang tidak tampak di layar. "
    "Ketik ulang alamatnya tanpa menyalin-tempel, lalu simpan lagi."
)


def normalise_phone(raw):
    """The canonical ``628…`` for ``raw`` (``""`` for nothing), or ``ValidationError``
    with an Indonesian message naming what was typed (or the hidden characters it holds)."""
    if raw is None:
        return ""
    if isinstance(raw, float | Decimal):
        if raw != int(raw) or abs(raw) >= 1e15:
            raise ValidationError(PHONE_EXCEL_MESSAGE, code="excel_number", params={"value": raw})
        raw = int(raw)
    text = validate_visible(str(raw).strip(), message=PHONE_HIDDEN_MESSAGE).lstrip("'")
    if not text:
        return ""
    shown = text[:30]
    if _EXCEL_NUMBER.match(text):
        raise ValidationError(PHONE_EXCEL_MESSAGE, code="excel_number", params={"value": shown})
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("62"):
            raise ValidationError(PHONE_MESSAGE, code="invalid", params={"value": shown})
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(PHONE_MESSAGE, code="invalid", params={"value": shown})
    if digits.startswith("620"):  # +62 (0)812…
        digits = "62" + digits[3:]
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not _PHONE.match(digits):
        raise ValidationError(PHONE_MESSAGE, code="invalid", params={"value": shown})
    return digits


def normalise_email(raw):
    """The address, trimmed, with its domain in lower case (``""`` for nothing), or
    ``ValidationError`` in Indonesian."""
    text = validate_visible(str(raw or "").strip(), message=EMAIL_HIDDEN_MESSAGE)
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(EMAIL_MESSAGE, code="invalid", params={"value": text[:60]}) from None
    local, _at, domain = text.rpartition("@")
    if len(text) > 254:
        raise ValidationError(EMAIL_MESSAGE, code="invalid", params={"value": text[:60]})
    return f"{local}@{domain.lower()}"


def local_phone(phone):
    """``628123456789`` → ``0812-3456-789``: as people write it, for the operator."""
    if not phone:
        return ""
    local = "0" + phone[2:]
    return f"{local[:4]}-{local[4:8]}-{local[8:]}"


def mask_phone(phone):
    """``628123456789`` → ``0812*****789``: enough to recognise, not to call."""
    if not phone:
        return ""
    local = "0" + phone[2:]
    return local[:4] + "*" * (len(local) - 7) + local[-3:]


def mask_email(email):
    """``budi.santoso@example.go.id`` → ``b***@example.go.id``."""
    if not email or "@" not in email:
        return ""
    local, _at, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"
