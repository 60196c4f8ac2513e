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


def tanggal(moment, tz_name=None):
    """``26 September 2024`` — a date, or an aware datetime seen in ``tz_name``."""
    if tz_name and hasattr(moment, "astimezone"):
        moment = in_zone(moment, tz_name)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def pukul(moment, tz_name):
    """``09.00 WIB``"""
    local = in_zone(moment, tz_name)
    return f"{local:%H.%M} {ABBREVIATIONS.get(tz_name, '')}".strip()


def date_line(place, moment, tz_name):
    """The place-and-date line above a signature: ``Bukittinggi, 26 September 2024``."""
    return f"{place}, {tanggal(moment, tz_name)}"
