"""Dates and times as Indonesian officials write them, in the agency's time zone.

Documents (the signed PDF, the recap) are always in Indonesian, whatever the
page language: "Bukittinggi, 26 September 2024", "pukul 09.00 WIB".
"""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def in_zone(moment, tz_name):
    return moment.astimezone(zoneinfo.ZoneInfo(tz_name))


def zone_abbreviation(tz_name):
    """``WIB``, ``WITA`` or ``WIT`` for an Indonesian zone; empty for any other."""
    return ABBREVIATIONS.get(tz_name, "")


def timestamp(moment, tz_name):
    """``2024-09-26 09:15:02 WIB``: sortable and unambiguous, for exports, manifests
    and the trail; empty for no moment."""
    if moment is None:
        return ""
    local = in_zone(moment, tz_name)
    return f"{local:%Y-%m-%d %H:%M:%S} {zone_abbreviation(tz_name)}".strip()


def tanggal(moment, tz_name=None):
    """``26 September 2024`` — a date, or an aware datetime seen in ``tz_name``."""
    if tz_name and hasattr(moment, "astimezone"):
        moment = in_zone(moment, tz_name)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def pukul(moment, tz_name):
    """``09.00 WIB``"""
    local = in_zone(moment, tz_name)
    return f"{local:%H.%M} {zone_abbreviation(tz_name)}".strip()


def tanggal_pukul(moment, tz_name):
    """``7 Desember 2026, 00.02``: a moment in a table whose heading names the zone
    ("Waktu tanda tangan (WITA)"), where "7 Desember 2026 pukul 00.02 WITA" would not
    fit; empty for no moment."""
    if moment is None:
        return ""
    return f"{tanggal(moment, tz_name)}, {in_zone(moment, tz_name):%H.%M}"


def waktu(moment, tz_name):
    """``7 Desember 2026 pukul 10.15 WIB``: a moment in running text, as officials write
    it; empty for no moment."""
    if moment is None:
        return ""
    return f"{tanggal(moment, tz_name)} pukul {pukul(moment, tz_name)}"


def date_line(place, moment, tz_name):
    """The place-and-date line above a signature: ``Bukittinggi, 26 September 2024``."""
    return f"{place}, {tanggal(moment, tz_name)}"


# The dates a person may type. Anything outside is a slip of the keyboard
# (0001-01-01, 9999-12-31) that would overflow the time-zone arithmetic of every
# page showing it; the database refuses it too (constraints on the apel).
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
EARLIEST_MOMENT = datetime.datetime.combine(EARLIEST_DATE, datetime.time(), datetime.UTC)
LATEST_MOMENT = datetime.datetime.combine(LATEST_DATE, datetime.time(23, 59, 59), datetime.UTC)
OUT_OF_RANGE_MESSAGE = _("Tanggal harus antara %(earliest)s dan %(latest)s.")


def validate_sensible_date(value):
    """Refuse a date (or an aware datetime) before 2000 or after 2099, with a message."""
    if value is None:
        return value
    if isinstance(value, datetime.datetime):
        inside = EARLIEST_MOMENT <= value <= LATEST_MOMENT
    else:
        inside = EARLIEST_DATE <= value <= LATEST_DATE
    if not inside:
        raise ValidationError(
            OUT_OF_RANGE_MESSAGE,
            code="date_out_of_range",
            params={"earliest": tanggal(EARLIEST_DATE), "latest": tanggal(LATEST_DATE)},
        )
    return value
