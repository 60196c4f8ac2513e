"""The secretariat's roster pages: employees (list, edit, import, export) and units."""

import io

import openpyxl
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from import_export.formats.base_formats import XLSX

from audit.log import Bulk, record
from audit.models import AuditEvent
from jobs.access import job_for_user
from jobs.models import Job
from netralitas.lib.http import attachment, client_ip
from netralitas.lib.spreadsheet import FORMATS
from roster.access import employee_for_user, is_auditor, is_operator, operator_required, unit_for_user
from roster.exports import start_roster_export
from roster.forms import BulkUnitForm, EmployeeFilterForm, EmployeeForm, RosterUploadForm, UnitForm
from roster.imports import already_confirmed, roster_preview, start_import, start_preview
from roster.models import Agency, Employee, EmploymentType, Unit
from roster.resources import COLUMNS

# Audit trail descriptions: stored in Indonesian whatever the page language (audit.log.describe).
EMPLOYEE_SAVED = gettext_lazy("Pegawai %(name)s")
UNITS_ADDED = gettext_lazy("Unit baru: %(names)s")
UNIT_SAVED = gettext_lazy("Unit %(name)s")


def home(request):
    """Staff land on their work: operators on their apel list, auditors on theirs."""
    if is_operator(request.user):
        return redirect("ceremonies:index")
    if is_auditor(request.user):
        return redirect("inspektorat:index")
    return render(request, "home.html")


@require_GET
def logo(request, pk):
    """An agency's logo for its letterhead on public pages (coats of arms are public)."""
    agency = get_object_or_404(Agency, pk=pk)
    if not agency.logo:
        raise Http404
    response = FileResponse(agency.logo.open("rb"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@operator_required
def employees(request):
    """The agency's roster: search by name or NIP, filter by unit, type and status."""
    units = list(Unit.objects.visible_to(request.user).order_by("name"))
    form = EmployeeFilterForm(request.GET or None, units=units)
    employees = form.filter(Employee.objects.visible_to(request.user).select_related("unit").order_by("name"))
    page = Paginator(employees, 50).get_page(request.GET.get("halaman"))
    chosen = form.filters()
    context = {
        "page": page,
        "units": units,
        "kinds": EmploymentType.choices,
        "form": form,
        "filters": {
            "q": chosen.get("q", ""),
            "unit": str(chosen.get("unit", "")),
            "jenis": chosen.get("jenis", ""),
            "status": form.chosen_status(),
        },
    }
    return render(request, "roster/employees.html", context)


@operator_required
@require_http_methods(["GET", "POST"])
def employee_edit(request, pk=None):
    """Add one employee or correct one record (the import does the same in bulk)."""
    employee = employee_for_user(request.user, pk) if pk else None
    form = EmployeeForm(request.POST or None, instance=employee, agency=employee.agency if employee else request.agency)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        action = AuditEvent.Action.UPDATE if employee else AuditEvent.Action.CREATE
        record(request, action, saved, EMPLOYEE_SAVED, name=saved)
        messages.success(request, _("Data pegawai %(name)s disimpan.") % {"name": saved.name})
        return redirect("roster:employees")
    return render(request, "roster/employee_form.html", {"form": form, "employee": employee})


@operator_required
@require_http_methods(["GET", "POST"])
def roster_import(request):
    """Step 1: upload a roster file; the preview runs in the background (a job)."""
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return import_upload_step(request, form, request.agency, IMPORT_URLS)
    return render(request, "roster/import_upload.html", {"form": form, "columns": COLUMNS.values()})


# URL names for the import's steps; the admin has its own (roster/admin.py).
IMPORT_URLS = {
    "upload_url": "roster:import",
    "confirm_url": "roster:import_confirm",
    "done_url": "roster:employees",
}


@operator_required
@require_POST
def roster_import_confirm(request, pk):
    """Step 3: import the previewed rows (a second job)."""
    return import_confirm_step(request, pk, IMPORT_URLS)


def import_upload_step(request, form, agency, urls):
    """Keep the upload and start its preview, for the operator's pages and the admin
    alike; ``urls`` names where to upload again, confirm, and land afterwards."""
    upload = form.cleaned_data["file"]
    job = start_preview(
        upload.name,
        form.cleaned_data["data"],
        agency=agency,
        full_roster=form.cleaned_data["full_roster"],
        user=request.user,
        ip_address=client_ip(request),
        urls=urls,
    )
    return redirect(job)


def import_confirm_step(request, pk, urls):
    """Start the import of a finished preview (``pk``, the person's own job)."""
    preview = job_for_user(request.user, pk)
    if preview.kind != roster_preview.name:
        raise Http404
    if preview.status != Job.Status.DONE or "parsed" not in preview.params:
        messages.warning(request, _("Pratinjau ini belum selesai atau gagal; unggah berkas daftar pegawai."))
        return redirect(urls["upload_url"])
    existing = already_confirmed(preview)
    if existing is not None:
        messages.info(request, _("Pratinjau ini sudah disimpan."))
        return redirect(existing)
    return redirect(start_import(preview, user=request.user, ip_address=client_ip(request)))


@operator_required
@require_POST
def roster_export(request, fmt):
    """The agency's whole roster as xlsx or csv, made in the background."""
    if fmt not in FORMATS:
        raise Http404
    return redirect(start_roster_export(request, request.agency, fmt))


@operator_required
@require_GET
def roster_template(request):
    """An empty roster workbook whose identifier columns are formatted as text, so that
    Excel keeps all 18 digits of a typed NIP."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Pegawai"
    headers = list(COLUMNS.values())
    sheet.append(headers)
    for index, header in enumerate(headers, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 24 if header not in ("Nama", "Jabatan") else 40
        if header in (COLUMNS["nip"], COLUMNS["nik"], COLUMNS["phone"]):
            for row in range(2, 5002):
                sheet.cell(row=row, column=index).number_format = "@"
    example = ["198001012005011001", "", "Contoh Nama, S.E.", "PNS", "Penata Muda (III/a)", "Analis", "", "Ya"]
    sheet.append([*example, "0812-3456-7890", "contoh.nama@instansi.go.id"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return attachment(buffer.getvalue(), XLSX().get_content_type(), "templat-daftar-pegawai.xlsx")


@operator_required
@require_http_methods(["GET", "POST"])
def units(request):
    """The agency's units as a tree, with a form to add several at once."""
    form = BulkUnitForm(request.POST or None, agency=request.agency)
    if request.method == "POST" and form.is_valid():
        parent = form.cleaned_data["parent"]
        created = Unit.objects.bulk_create(
            [Unit(agency=request.agency, name=name, parent=parent) for name in form.cleaned_data["names"]]
        )
        names = ", ".join(unit.name for unit in created)
        record(request, AuditEvent.Action.CREATE, Bulk(request.agency, Unit), UNITS_ADDED, names=names)
        messages.success(request, _("%(count)s unit ditambahkan.") % {"count": len(created)})
        return redirect("roster:units")
    units = list(
        Unit.objects.visible_to(request.user).annotate(
            employee_count=Count("employees", filter=Q(employees__is_active=True))
        )
    )
    return render(request, "roster/units.html", {"tree": _tree(units), "form": form})


def _tree(units):
    """``[(unit, depth), …]`` in tree order."""
    children = {}
    for unit in sorted(units, key=lambda u: u.name.casefold()):
        children.setdefault(unit.parent_id, []).append(unit)
    ordered, stack = [], [(unit, 0) for unit in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.pk, [])))
    return ordered


@operator_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    unit = unit_for_user(request.user, pk)
    form = UnitForm(request.POST or None, instance=unit, agency=unit.agency)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(request, AuditEvent.Action.UPDATE, unit, UNIT_SAVED, name=unit)
        messages.success(request, _("Unit %(name)s disimpan.") % {"name": unit.name})
        return redirect("roster:units")
    return render(request, "roster/unit_form.html", {"form": form, "unit": unit})
