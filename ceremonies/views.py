"""The secretariat's pages for an apel: schedule, invite, run, print.

Every view is for an operator of one agency (``operator_required``) and finds its
ceremony through ``ceremony_for_user``: another agency's id is a 404. Units and
employees are the ceremony's agency's; ``request.agency`` only for a new apel.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.log import describe, record
from audit.models import AuditEvent
from ceremonies import exports, printables, reminders
from ceremonies.access import ceremony_for_user
from ceremonies.forms import (
    CeremonyForm,
    InviteEmployeesForm,
    InviteSearchForm,
    InviteUnitsForm,
    LinkSheetsForm,
    PaperForm,
    UnitFilterForm,
    UnitMessageForm,
)
from ceremonies.models import Ceremony, Invitation, signed_condition
from ceremonies.readiness import readiness
from netralitas.lib import events
from netralitas.lib import notices as agency_notices
from netralitas.lib.http import attachment
from netralitas.lib.spreadsheet import FORMATS
from pledges.bsre.status import queue
from pledges.evidence import open_findings_count
from pledges.pdf.certificates import certificate_status
from roster.access import operator_required
from roster.models import Employee, Unit

# Audit trail descriptions: stored in Indonesian whatever the page language (audit.log.describe).
SAVED = gettext_lazy("Apel “%(title)s”")
INVITED = gettext_lazy("Mengundang %(what)s ke apel “%(title)s”: %(created)s undangan baru, %(already)s sudah diundang")
PICKED = gettext_lazy("%(count)s pegawai pilihan")
POSTER = gettext_lazy("Poster QR apel “%(title)s”")


@operator_required
def index(request):
    """The operator's home: the agency's ceremonies with their signing progress."""
    now = timezone.now()
    ceremonies = sorted(
        Ceremony.objects.visible_to(request.user).select_related("election", "agency").with_progress(),
        key=lambda ceremony: ceremony.list_position(now),
    )
    notices = agency_notices.for_agency(getattr(request.agency, "pk", None))
    return render(request, "ceremonies/index.html", {"ceremonies": ceremonies, "now": now, "notices": notices})


@operator_required
@require_http_methods(["GET", "POST"])
def ceremony_edit(request, pk=None):
    """Schedule a new apel, or change one."""
    ceremony = ceremony_for_user(request.user, pk) if pk else None
    form = CeremonyForm(request.POST or None, instance=ceremony, agency=ceremony.agency if ceremony else request.agency)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if ceremony is None:
            saved.created_by = request.user
        saved.save()
        action = AuditEvent.Action.UPDATE if ceremony else AuditEvent.Action.CREATE
        record(request, action, saved, SAVED, title=saved.title)
        messages.success(request, _("Apel disimpan."))
        return redirect(saved)
    return render(request, "ceremonies/ceremony_form.html", {"form": form, "ceremony": ceremony})


@operator_required
def ceremony_detail(request, pk):
    """One apel: its details, progress, and everything an operator does with it."""
    ceremony = ceremony_for_user(request.user, pk)
    totals = ceremony.invitations.aggregate(invited=Count("id"), signed=Count("id", filter=signed_condition()))
    context = {
        "ceremony": ceremony,
        "totals": totals,
        "state": ceremony.signing_state(),
        "units": ceremony.invited_units(),
        "readiness": readiness(ceremony, invited=totals["invited"]),
    }
    return render(request, "ceremonies/detail.html", context)


@operator_required
@require_http_methods(["GET", "POST"])
def invite(request, pk):
    """Invite whole units (with their sub-units) or picked employees, in bulk."""
    ceremony = ceremony_for_user(request.user, pk)
    agency = ceremony.agency
    unit_form = InviteUnitsForm(request.POST if "invite_units" in request.POST else None, agency=agency)
    employee_form = InviteEmployeesForm(request.POST if "invite_employees" in request.POST else None, agency=agency)
    if request.method == "POST":
        employees = None
        if "invite_units" in request.POST and unit_form.is_valid():
            chosen = unit_form.cleaned_data["units"]
            if unit_form.cleaned_data["include_subunits"]:
                unit_ids = Unit.descendant_ids(agency.units.only("id", "parent"), chosen)
            else:
                unit_ids = {unit.pk for unit in chosen}
            employees = agency.employees.active().filter(unit_id__in=unit_ids)
            what = ", ".join(unit.name for unit in chosen)
        elif "invite_employees" in request.POST and employee_form.is_valid():
            employees = employee_form.cleaned_data["employees"]
            what = describe(PICKED, count=len(employees))
        if employees is not None:
            count = employees.count()
            created = ceremony.invite(employees)
            already = count - created
            record(
                request,
                AuditEvent.Action.INVITE,
                ceremony,
                INVITED,
                what=what,
                title=ceremony.title,
                created=created,
                already=already,
            )
            messages.success(
                request,
                _("%(created)s undangan baru (%(already)s sudah diundang sebelumnya).")
                % {"created": created, "already": already},
            )
            return redirect(ceremony)
    search = InviteSearchForm(request.GET or None)
    query = search.filters().get("q", "")
    candidates = Employee.objects.none()
    if query:
        candidates = (
            agency.employees.active()
            .search(query)
            .exclude(invitations__ceremony=ceremony)
            .select_related("unit")
            .order_by("name")[:100]
        )
    unit_counts = dict(agency.employees.active().values_list("unit").annotate(count=Count("id")))
    context = {
        "ceremony": ceremony,
        "unit_form": unit_form,
        "employee_form": employee_form,
        "unit_counts": unit_counts,
        "query": query,
        "search": search,
        "candidates": candidates,
    }
    return render(request, "ceremonies/invite.html", context)


@operator_required
@require_POST
def set_status(request, pk, status):
    """Open or close signing by hand. Signing does not open while the agency cannot
    seal pacts: its signers would wait for a PDF that never comes."""
    ceremony = ceremony_for_user(request.user, pk)
    if status not in (Ceremony.Status.OPEN, Ceremony.Status.CLOSED):
        raise Http404
    if status == Ceremony.Status.OPEN:
        ready = readiness(ceremony)
        if not ready.certificate.usable:
            messages.error(
                request,
                _("Penandatanganan tidak dapat dibuka: %(reason)s Hubungi administrator sistem.")
                % {"reason": ready.certificate.reason},
            )
        for problem in ready.problems():
            if problem != ready.certificate.reason:
                messages.error(request, _("Penandatanganan tidak dapat dibuka: %(reason)s") % {"reason": problem})
        if not ready.ready:
            return redirect(ceremony)
    ceremony.status = status
    if status == Ceremony.Status.OPEN and ceremony.signing_closes_at and ceremony.signing_closes_at <= timezone.now():
        # Reopening after the window: the hand decides, the old end no longer applies.
        ceremony.signing_closes_at = None
    event = events.CEREMONY_OPENED if status == Ceremony.Status.OPEN else events.CEREMONY_CLOSED
    with transaction.atomic():  # the webhooks' outbox row, if the agency wants it, commits with the change
        ceremony.save(update_fields=["status", "signing_closes_at"])
        if events.wanted(event, ceremony.agency_id):
            events.emit(event, ceremony.agency_id, ceremony=ceremony.pk, status=status)
    action = AuditEvent.Action.OPEN if status == Ceremony.Status.OPEN else AuditEvent.Action.CLOSE
    record(request, action, ceremony, SAVED, title=ceremony.title)
    if status == Ceremony.Status.OPEN:
        messages.success(request, _("Penandatanganan dibuka."))
    else:
        messages.success(request, _("Penandatanganan ditutup."))
    return redirect(ceremony)


@operator_required
@require_GET
def close_confirm(request, pk):
    """Closing signing asks first (no script needed): who has not signed yet can no
    longer sign once it is closed."""
    ceremony = ceremony_for_user(request.user, pk)
    totals = ceremony.invitations.aggregate(invited=Count("id"), signed=Count("id", filter=signed_condition()))
    context = {"ceremony": ceremony, "totals": totals, "unsigned": totals["invited"] - totals["signed"]}
    return render(request, "ceremonies/close_confirm.html", context)


@operator_required
@require_GET
def board(request, pk):
    """The live board shown during the apel; it refreshes its numbers by itself."""
    ceremony = ceremony_for_user(request.user, pk)
    return render(request, "ceremonies/board.html", {"ceremony": ceremony, **board_numbers(ceremony)})


@operator_required
@require_GET
def board_data(request, pk):
    """The numbers of the live board (an HTML fragment, polled every few seconds)."""
    ceremony = ceremony_for_user(request.user, pk)
    response = render(request, "ceremonies/board_numbers.html", {"ceremony": ceremony, **board_numbers(ceremony)})
    response["Cache-Control"] = "no-store"
    return response


def board_numbers(ceremony):
    """Signed and invited, overall and per unit, the latest signers, how many were
    reminded and how many signed PDFs were found gone or altered: five queries,
    however many invitations."""
    rows, overall = ceremony.progress()
    latest = list(
        Invitation.objects.filter(ceremony=ceremony, signature__isnull=False)
        .select_related("employee", "unit", "signature")
        .only("employee__name", "unit__name", "signature__signed_at")
        .order_by("-signature__signed_at")[:8]
    )
    return {
        "units": rows,
        "overall": overall,
        "reminded": reminders.reminded_counts(ceremony),
        "damaged_pdfs": open_findings_count(ceremony),
        "bsre": _bsre_on_the_board(ceremony),
        "latest": latest,
        "state": ceremony.signing_state(),
        "refreshed_at": timezone.now(),
    }


def _bsre_on_the_board(ceremony):
    """For an agency sealing through BSrE: its seal's state (what the workers recorded) and
    the apel's pacts still waiting or given up — two queries; nothing for the others."""
    if not ceremony.agency.seals_through_bsre:
        return None
    waiting, given_up = queue(ceremony)
    return {"status": certificate_status(ceremony.agency), "waiting": waiting, "given_up": given_up}


@operator_required
@require_GET
def unsigned(request, pk):
    """Who has not signed yet, per unit, and the ways to remind them
    (``ceremonies.reminders``): per person a WhatsApp message; per unit a printed
    reminder sheet, emails, and a WhatsApp message for the unit head."""
    ceremony = ceremony_for_user(request.user, pk)
    invitations = (
        ceremony.invitations.unsigned()
        .select_related("employee", "unit")
        .annotate(reminder_count=Count("reminders"))
        .order_by("unit__name", "employee__name")
    )
    units = list(ceremony.invited_units())
    form = UnitFilterForm(request.GET or None, units=units)
    unit = form.chosen_unit()
    if unit is not None:
        invitations = invitations.filter(unit=unit)
    page = Paginator(invitations, 100).get_page(request.GET.get("halaman"))
    counts = {
        row["unit"]: row
        for row in ceremony.invitations.unsigned()
        .values("unit")
        .annotate(
            unsigned=Count("id"),
            with_phone=Count("id", filter=~Q(employee__phone="")),
            with_email=Count("id", filter=~Q(employee__email="")),
        )
        .order_by()
    }
    context = {
        "ceremony": ceremony,
        "page": page,
        "units": units,
        "unit": unit,
        "unit_id": str(unit.pk) if unit else "",
        "form": form,
        "counts": counts,
        "unit_counts": counts.get(unit.pk, {}) if unit else {},
        "unit_messages": reminders.unit_messages(ceremony, unit) if unit else [],
        "mail_configured": reminders.mail_configured(),
    }
    return render(request, "ceremonies/unsigned.html", context)


def _reminder_unit(request, ceremony, form_class=UnitFilterForm):
    """The unit a reminder is for: one with invitations to this apel, or a 404 — a
    reminder never widens to all units or reaches another agency's."""
    form = form_class(request.POST, units=ceremony.invited_units())
    unit = form.chosen_unit()
    if unit is None:
        raise Http404
    return form, unit


def _back_to_unit(ceremony, unit):
    return redirect(f"{reverse('ceremonies:unsigned', args=[ceremony.pk])}?unit={unit.pk}")


@operator_required
@require_POST
def remind_whatsapp(request, pk, invitation):
    """Record a WhatsApp reminder to one person, then open WhatsApp with the message
    (``wa.me``; without a number WhatsApp asks whom to send it to)."""
    ceremony = ceremony_for_user(request.user, pk)
    found = get_object_or_404(ceremony.invitations.select_related("employee", "ceremony__agency"), pk=invitation)
    if ceremony.invitations.signed().filter(pk=found.pk).exists():
        messages.info(request, _("%(name)s sudah menandatangani.") % {"name": found.employee.name})
        return redirect("ceremonies:unsigned", ceremony.pk)
    reminders.record_whatsapp(request, found)
    return redirect(reminders.whatsapp_url(found.employee.phone, reminders.whatsapp_text(found)))


@operator_required
@require_POST
def remind_unit_message(request, pk):
    """Record that the WhatsApp message for a unit head (one part of it) was copied;
    the page's script copies it, and without a script the operator does."""
    ceremony = ceremony_for_user(request.user, pk)
    form, unit = _reminder_unit(request, ceremony, UnitMessageForm)
    part = form.part()
    # A part that is not one of the page's messages records nothing (never part 1 instead).
    invitation_ids = reminders.unit_message_invitations(ceremony, unit, part) if part else []
    if not invitation_ids:
        raise Http404
    reminders.record_unit_message(request, ceremony, unit, part, invitation_ids)
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    messages.success(
        request,
        _("Pesan untuk kepala unit %(unit)s dicatat sebagai terkirim (%(count)s pegawai).")
        % {"unit": unit.name, "count": len(invitation_ids)},
    )
    return _back_to_unit(ceremony, unit)


@operator_required
@require_POST
def remind_sheet(request, pk):
    """One click: the reminder sheet of a unit's non-signers (QR and personal code
    each), made by the link sheets' job."""
    ceremony = ceremony_for_user(request.user, pk)
    _form, unit = _reminder_unit(request, ceremony)
    count = ceremony.invitations.unsigned().filter(unit=unit).count()
    if not count:
        messages.info(request, _("Semua pegawai %(unit)s sudah menandatangani.") % {"unit": unit.name})
        return _back_to_unit(ceremony, unit)
    reminders.record_sheet(request, ceremony, unit, count)
    return redirect(exports.start_link_sheets(request, ceremony, unit=unit, unsigned_only=True, reminder=True))


@operator_required
@require_POST
def remind_email(request, pk):
    """Email the unit's non-signers whose address is known, in the background."""
    ceremony = ceremony_for_user(request.user, pk)
    _form, unit = _reminder_unit(request, ceremony)
    if not reminders.mail_configured():
        messages.error(request, reminders.NOT_CONFIGURED)
        return _back_to_unit(ceremony, unit)
    if not reminders.email_recipients(ceremony, unit).exists():
        messages.info(
            request,
            _("Tidak ada pegawai %(unit)s yang belum menandatangani dan punya alamat email.") % {"unit": unit.name},
        )
        return _back_to_unit(ceremony, unit)
    return redirect(reminders.start_email_reminders(request, ceremony, unit))


@operator_required
@require_GET
def poster(request, pk):
    """The apel QR poster to hang at the assembly, on A4 or F4 (``?kertas=F4``)."""
    ceremony = ceremony_for_user(request.user, pk)
    paper = PaperForm(request.GET or None).paper()
    if paper is None:
        raise Http404  # a paper we do not print on: never an A4 instead
    data = printables.poster_pdf(ceremony, paper=paper)
    record(request, AuditEvent.Action.DOWNLOAD, ceremony, POSTER, title=ceremony.title)
    return _pdf(data, printables.poster_file_name(ceremony, paper))


@operator_required
@require_POST
def link_sheets(request, pk):
    """Sheets of personal links to hand out — per unit (``unit``), or all units; only
    the unsigned (``belum``) — made in the background; lands on the job's page."""
    ceremony = ceremony_for_user(request.user, pk)
    form = LinkSheetsForm(request.POST or None, units=ceremony.agency.units.only("id", "name", "agency_id"))
    unit = form.chosen_unit()
    if request.POST.get("unit") and unit is None:
        raise Http404  # not a unit of this apel's agency: a download never widens its scope
    unsigned_only = bool(form.filters().get("belum"))
    paper = form.paper()
    if paper is None:
        raise Http404
    return redirect(exports.start_link_sheets(request, ceremony, unit=unit, unsigned_only=unsigned_only, paper=paper))


@operator_required
@require_POST
def invitations_export(request, pk, fmt):
    """The invitation list with status, links and codes as xlsx or csv, made in the
    background (formula-looking cells escaped)."""
    ceremony = ceremony_for_user(request.user, pk)
    if fmt not in FORMATS:
        raise Http404
    return redirect(exports.start_invitations_export(request, ceremony, fmt))


def _pdf(data, filename):
    return attachment(data, "application/pdf", filename, inline=True)
