"""Template filters for dates in an agency's time zone and for identity numbers."""

from django import template
from django.http import QueryDict
from django.template.defaultfilters import date as date_filter
from django.utils.translation import gettext as _

from netralitas.lib.dates import ABBREVIATIONS, in_zone, pukul, tanggal
from roster import access
from roster.nip import format_nip, mask_nip

register = template.Library()


@register.filter
def agency_datetime(moment, agency):
    """``26 September 2024, 09.00 WIB`` in the page language, in the agency's zone."""
    if not moment:
        return ""
    local = in_zone(moment, agency.time_zone)
    return _("%(date)s, pukul %(time)s %(zone)s") % {
        "date": date_filter(local, "j F Y"),
        "time": date_filter(local, "H.i"),
        "zone": ABBREVIATIONS.get(agency.time_zone, ""),
    }


@register.filter
def agency_date(moment, agency):
    return date_filter(in_zone(moment, agency.time_zone), "j F Y") if moment else ""


@register.filter
def tanggal_resmi(moment, agency):
    """Always Indonesian, for documents: ``26 September 2024``."""
    return tanggal(moment, agency.time_zone) if moment else ""


@register.filter
def pukul_resmi(moment, agency):
    return pukul(moment, agency.time_zone) if moment else ""


@register.filter
def nip(value):
    return format_nip(value)


@register.filter
def masked_id(value):
    """Hide most of an NIP or NIK for public pages."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) == 18:
        return mask_nip(digits)
    if digits:
        return "*" * (len(digits) - 4) + digits[-4:]
    return ""


@register.filter
def is_operator(user):
    return access.is_operator(user)


@register.filter
def is_auditor(user):
    return access.is_auditor(user)


@register.simple_tag
def query_with(querydict, **changes):
    """The current query string with some parameters replaced (for pagination links)."""
    params = querydict.copy() if querydict is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
