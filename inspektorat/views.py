"""The Inspektorat's read-only pages: its ceremonies, who signed each one and who
did not, and the audit trail. Downloads are in ``inspektorat.downloads``.

Every view is for auditors (and admins) only, answers GET only, and looks its
objects up through ``visible_to(request.user)``: another agency's id is a 404.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from audit.log import record
from audit.models import AuditEvent
from ceremonies.access import ceremony_for_user
from ceremonies.models import Ceremony, Invitation
from inspektorat.exports import start_trail_export
from inspektorat.forms import CeremonyIndexForm, InvitationFilterForm, TrailFilterForm, units_in_tree_order
from inspektorat.queries import agency_units, invitation_ids, invitation_rows
from roster.access import auditor_required
from roster.models import Agency

PER_PAGE = 50
CEREMONIES_PER_PAGE = 25
TRAIL_EXPORT_FORMATS = ("csv", "xlsx")

VIEWED_CEREMONY = _("Membuka daftar penandatanganan apel “%(title)s” (#%(id)s)%(filters)s")


@require_GET
@auditor_required
def index(request):
    """Ceremonies of the supervised agencies, newest first per agency, with progress."""
    agencies = Agency.objects.visible_to(request.user).order_by("name")
    ceremonies = (
        Ceremony.objects.visible_to(request.user)
        .select_related("agency", "election")
        .with_progress()
        .order_by("agency__name", "-starts_at", "pk")
    )
    form = CeremonyIndexForm(request.GET or None, agencies=agencies)
    agency_id = form.filters().get("instansi")
    if agency_id is not None:
        ceremonies = ceremonies.filter(agency_id=agency_id)
    page = Paginator(ceremonies, CEREMONIES_PER_PAGE).get_page(request.GET.get("halaman"))
    return render(
        request,
        "inspektorat/index.html",
        {"page": page, "agencies": agencies, "agency_id": agency_id, "form": form},
    )


@require_GET
@auditor_required
def ceremony(request, pk):
    """Who signed a ceremony (when, with which code) and who did not, per unit,
    filtered and paginated; the totals per unit above."""
    ceremony = ceremony_for_user(request.user, pk)
    units = list(agency_units(ceremony.agency))
    form = InvitationFilterForm(request.GET or None, units=units)
    ids = invitation_ids(form.filter(Invitation.objects.filter(ceremony=ceremony)))
    page = Paginator(ids, PER_PAGE).get_page(request.GET.get("halaman"))
    page.object_list = invitation_rows(page.object_list)
    totals, overall = ceremony.progress(units=units)
    _in_tree_order(totals, units)
    ranks = (
        Invitation.objects.filter(ceremony=ceremony)
        .exclude(employee__rank="")
        .values_list("employee__rank", flat=True)
        .order_by("employee__rank")
        .distinct()
    )
    record(
        request,
        AuditEvent.Action.VIEW,
        ceremony,
        VIEWED_CEREMONY,
        title=ceremony.title,
        id=ceremony.pk,
        filters=form.trail_text(halaman=page.number if page.number > 1 else None),
    )
    unit_ids = form.unit_ids()
    return render(
        request,
        "inspektorat/ceremony.html",
        {
            "ceremony": ceremony,
            "agency": ceremony.agency,
            "form": form,
            "page": page,
            "totals": totals,
            "overall": overall,
            "ranks": ranks,
            "chosen_unit": form.filters().get("unit") if unit_ids is not None else None,
            "chosen_sub": bool(form.filters().get("sub")),
            "is_filtered": form.is_filtered(),
        },
    )


@require_GET
@auditor_required
def trail(request):
    """The audit trail of the supervised agencies, newest first, filtered."""
    form, events = _trail_events(request)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("halaman"))
    return render(request, "inspektorat/trail.html", {"form": form, "page": page})


@require_POST
@auditor_required
def trail_export(request, file_format):
    """The filtered trail as csv or xlsx, made in the background. Its download is
    recorded once per agency whose events it may contain, so each agency's trail
    shows it."""
    if file_format not in TRAIL_EXPORT_FORMATS:
        raise Http404
    agencies = Agency.objects.visible_to(request.user).order_by("name")
    data = {name: request.POST.get(name) for name in TrailFilterForm.base_fields if request.POST.get(name)}
    form = TrailFilterForm(data or None, agencies=agencies)
    selected = form.selected_agency()
    agency_ids = [selected.pk] if selected else list(agencies.values_list("pk", flat=True))
    if not agency_ids:
        raise Http404
    return redirect(start_trail_export(request, file_format, form.valid_data(), agency_ids))


def _in_tree_order(totals, units):
    """Sort the per-unit totals as the unit tree reads (sub-units under their unit)
    and give each its depth, for indenting."""
    position = {unit.pk: (index, depth) for index, (unit, depth) in enumerate(units_in_tree_order(units))}
    for row in totals:
        row["depth"] = min(position.get(row["unit_id"], (0, 0))[1], 3)
    totals.sort(key=lambda row: position.get(row["unit_id"], (len(position), 0))[0])


def _trail_events(request):
    agencies = Agency.objects.visible_to(request.user).order_by("name")
    form = TrailFilterForm(request.GET or None, agencies=agencies)
    events = form.filter(AuditEvent.objects.visible_to(request.user).select_related("agency"))
    return form, events
