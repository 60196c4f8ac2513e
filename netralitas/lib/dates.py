"""Dates and times as Indonesian officials write them, in the agency's time zone.

Documents (the signed PDF, the recap) are always in Indonesian, whatever the
page language: "Bukittinggi, 26 September 2024", "pukul 09.00 WIB".
"""

import zoneinfo

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


def date_line(place, moment, tz_name):
    """The place-and-date line above a signature: ``Bukittinggi, 26 September 2024``."""
    return f"{place}, {tanggal(moment, tz_name)}"
