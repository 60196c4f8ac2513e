"""Template filters for dates in an agency's time zone, as officials write them, and
``{% paged_table %}``, the frame of every paginated staff list.

Identity numbers are written by ``roster.identity.Identifier`` (``{{ employee.identifier }}``);
the staff roles are the ``roster`` tag library."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from netralitas.lib.dates import in_zone, zone_abbreviation
from netralitas.lib.tokens import group_code

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
        "zone": zone_abbreviation(agency.time_zone),
    }


@register.filter
def agency_time(moment, agency):
    """``09.00 WIB``: the time alone, in the agency's zone."""
    if not moment:
        return ""
    return f"{date_filter(in_zone(moment, agency.time_zone), 'H.i')} {zone_abbreviation(agency.time_zone)}".strip()


@register.filter
def agency_date(moment, agency):
    return date_filter(in_zone(moment, agency.time_zone), "j F Y") if moment else ""


@register.filter
def grouped_code(code):
    """A verification code as it is shown everywhere: ``AB3K9-XY7QP``."""
    return group_code(code or "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_block_tag(takes_context=True)
def paged_table(context, content, page, label):
    """``{% paged_table page label %}<table>…</table>{% endpaged_table %}``: the table in a
    scroll region named ``label``, then the links to its other pages."""
    return render_to_string(
        "includes/paged_table.html", {"content": content, "page": page, "label": label}, request=context.get("request")
    )
