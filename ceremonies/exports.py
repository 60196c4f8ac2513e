"""An apel's invitation list (with personal links and codes) as xlsx or csv, and
its sheets of personal links as PDF — both made in the background, both growing
with the apel (a province invites 40,000)."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ceremonies import printables
from ceremonies.models import Invitation, destroyed_status
from ceremonies.reminders import record_sheet_reminders
from jobs.engine import start_for
from jobs.kinds import kind
from jobs.work import Outcome, table_file, temporary_output
from netralitas.lib.chunks import in_chunks
from netralitas.lib.dates import timestamp
from netralitas.lib.tokens import group_code
from roster.identity import Identifier
from roster.models import EmploymentType, Unit

HEADERS = [
    "NIP / NIK",
    "Nama",
    "Jenis",
    "Pangkat/Golongan",
    "Jabatan",
    "Unit Kerja",
    "Status",
    "Waktu tanda tangan",
    "Kode verifikasi",
    "Kode pribadi",
    "Tautan pribadi",
]
WIDTHS = [22, 36, 10, 24, 30, 30, 8, 24, 14, 12, 60]


def start_invitations_export(request, ceremony, file_format):
    return start_for(
        request,
        kind=invitations_export,
        title=_("Daftar undangan apel “%(title)s” (%(format)s)") % {"title": ceremony.title, "format": file_format},
        agency=ceremony.agency,
        params={"ceremony": ceremony.pk, "format": file_format, "back_url": ceremony.get_absolute_url()},
    )


@kind("invitations_export", gettext_lazy("Ekspor daftar undangan"))
def invitations_export(job, progress):
    file_format = job.params["format"]
    ceremony_id = job.params["ceremony"]
    invitations = Invitation.objects.filter(ceremony_id=ceremony_id, ceremony__agency_id=job.agency_id)
    progress.stage(_("Menulis berkas"), total=invitations.count())
    tz_name = job.agency.time_zone
    labels = dict(EmploymentType.choices)
    placeholder = "T" * 16  # the link of a token, built once: the URL pattern with the token swapped in
    link = settings.PUBLIC_BASE_URL + reverse("pledges:sign", args=[placeholder])
    values = (
        invitations.with_destroyed_pact()
        .order_by("unit__name", "employee__name", "pk")
        .values_list(
            "employee__nip",
            "employee__nik",
            "employee__name",
            "employee__employment_type",
            "employee__rank",
            "employee__position",
            "unit__name",
            "signature__signed_at",
            "signature__verification_code",
            "code",
            "token",
            "pact_destroyed_at",
            "destroyed_signed_at",
            "destroyed_code",
        )
    )
    rows = (
        (
            Identifier.of(nip, nik).number,
            name,
            str(labels.get(kind, kind)),
            rank,
            position,
            unit or "",
            destroyed_status(destroyed_at, tz_name) if destroyed_at else "Sudah" if signed_at else "Belum",
            timestamp(signed_at or destroyed_signed_at, tz_name),
            group_code(verification or destroyed_code or ""),
            code,
            link.replace(placeholder, token),
        )
        for (
            nip, nik, name, kind, rank, position, unit, signed_at, verification, code, token,
            destroyed_at, destroyed_signed_at, destroyed_code,
        ) in in_chunks(values)
    )  # fmt: skip
    return table_file(
        progress, file_format, f"undangan-apel-{ceremony_id}", HEADERS, rows, sheet="Undangan", widths=WIDTHS
    )


def start_link_sheets(request, ceremony, *, unit=None, unsigned_only=False, reminder=False, paper="A4"):
    """The link sheets' job, on A4 or F4 ``paper``; a ``reminder`` sheet (one unit's
    non-signers) says so on every page and records a reminder per card
    (``ceremonies.reminders``)."""
    scope = unit.name if unit else _("semua unit")
    params = {
        "ceremony": ceremony.pk,
        "unit": unit.pk if unit else None,
        "unsigned_only": unsigned_only or reminder,
        "paper": paper,
        "back_url": ceremony.get_absolute_url(),
    }
    if reminder:
        title = _("Lembar pengingat apel “%(title)s” — %(scope)s")
        params.update(reminder=True, back_url=f"{reverse('ceremonies:unsigned', args=[ceremony.pk])}?unit={unit.pk}")
    else:
        title = _("Lembar tautan pribadi apel “%(title)s” — %(scope)s")
        if unsigned_only:
            scope = _("%(scope)s, yang belum menandatangani") % {"scope": scope}
    if paper != "A4":
        scope = f"{scope}, {paper}"
    return start_for(
        request,
        kind=link_sheets,
        title=title % {"title": ceremony.title, "scope": scope},
        agency=ceremony.agency,
        params=params,
    )


@kind("link_sheets", gettext_lazy("Lembar tautan pribadi"))
def link_sheets(job, progress):
    from ceremonies.models import Ceremony

    ceremony = Ceremony.objects.select_related("agency").get(pk=job.params["ceremony"], agency_id=job.agency_id)
    invitations = ceremony.invitations.all()
    unit = None
    if job.params.get("unit"):
        unit = Unit.objects.get(pk=job.params["unit"], agency_id=job.agency_id)
        invitations = invitations.filter(unit=unit)
    if job.params.get("unsigned_only"):
        invitations = invitations.unsigned()
    total = invitations.count()
    progress.stage(_("Menyusun lembar"), total=total)
    with temporary_output(".pdf") as path:
        reminder = bool(job.params.get("reminder"))
        pages = printables.write_link_sheets(
            path,
            ceremony,
            invitations,
            unit=unit,
            paper=job.params.get("paper", "A4"),
            progress=progress.step,
            reminder=reminder,
        )
        if reminder:
            record_sheet_reminders(job, list(invitations.values_list("pk", flat=True)))
        filename = printables.sheet_file_name(
            ceremony,
            unit=unit,
            unsigned_only=bool(job.params.get("unsigned_only")),
            reminder=reminder,
            paper=job.params.get("paper", "A4"),
        )
        return Outcome(
            path=path,
            filename=filename,
            content_type="application/pdf",
            result={"invitations": total, "pages": pages},
        )
