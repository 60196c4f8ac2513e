"""The secretariat's roster pages: employees (list, edit, import, export) and units."""

import io

import openpyxl
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from import_export.formats.base_formats import XLSX

from audit.log import Bulk, record
from audit.models import AuditEvent
from netralitas.lib.http import attachment
from netralitas.lib.spreadsheet import FORMATS, export_bytes
from roster.access import employee_for_user, is_auditor, is_operator, operator_required, unit_for_user
from roster.forms import BulkUnitForm, EmployeeForm, RosterUploadForm, UnitForm
from roster.imports import RosterFileError, cancel_upload, confirm_import, keep_upload, run_import, waiting_upload
from roster.models import Agency, Employee, EmploymentType, Unit
from roster.resources import COLUMNS, EmployeeResource

# Audit trail descriptions: stored in Indonesian whatever the page language (audit.log.describe).
EMPLOYEE_SAVED = gettext_lazy("Pegawai %(name)s")
EXPORTED = gettext_lazy("Ekspor daftar pegawai (%(fmt)s)")
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
    employees = Employee.objects.visible_to(request.user).select_related("unit").order_by("name")
    query = request.GET.get("q", "").strip()
    if query:
        employees = employees.search(query)
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        employees = employees.filter(unit_id=unit_id)
    kind = request.GET.get("jenis", "")
    if kind in EmploymentType.values:
        employees = employees.filter(employment_type=kind)
    status = request.GET.get("status", "aktif")
    if status == "aktif":
        employees = employees.active()
    elif status == "nonaktif":
        employees = employees.filter(is_active=False)
    page = Paginator(employees, 50).get_page(request.GET.get("halaman"))
    context = {
        "page": page,
        "units": Unit.objects.visible_to(request.user).order_by("name"),
        "kinds": EmploymentType.choices,
        "filters": {"q": query, "unit": unit_id, "jenis": kind, "status": status},
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
    """Step 1: upload a roster file; it is read at once and previewed (a dry run)."""
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        keep_upload(
            request.session,
            form.cleaned_data["file"],
            agency=request.agency,
            full_roster=form.cleaned_data["full_roster"],
        )
        return redirect("roster:import_preview")
    return render(request, "roster/import_upload.html", {"form": form, "columns": COLUMNS.values()})


IMPORT_URLS = {
    "upload_url": "roster:import",
    "confirm_url": "roster:import_confirm",
    "cancel_url": "roster:import_cancel",
    "done_url": "roster:employees",
}


@operator_required
@require_GET
def roster_import_preview(request):
    """Step 2: what the import would do, row by row, before anything is written."""
    return import_preview_step(request, request.agency, "roster/import_preview.html", IMPORT_URLS)


@operator_required
@require_POST
def roster_import_confirm(request):
    """Step 3: write the good rows (and deactivate the missing ones of a full roster)."""
    return import_confirm_step(request, request.agency, IMPORT_URLS)


@operator_required
@require_POST
def roster_import_cancel(request):
    return import_cancel_step(request, IMPORT_URLS)


def import_preview_step(request, agency, template, urls, context=None):
    """The preview step, for the operator's pages and the admin alike: ``urls`` names
    where to upload, confirm, cancel and land afterwards."""
    pending = waiting_upload(request.session)
    if not pending or pending["agency"] != agency.pk:
        messages.warning(request, _("Tidak ada berkas yang menunggu; unggah berkas daftar pegawai."))
        return redirect(urls["upload_url"])
    try:
        report = run_import(agency, pending["name"], dry_run=True, full_roster=pending["full_roster"])
    except RosterFileError as error:
        cancel_upload(request.session)
        messages.error(request, str(error))
        return redirect(urls["upload_url"])
    context = {**(context or {}), "report": report, "pending": pending, "agency": agency}
    context.update({name: reverse(url) for name, url in urls.items()})
    return render(request, template, context)


def import_confirm_step(request, agency, urls):
    pending = waiting_upload(request.session, take=True)
    if not pending or pending["agency"] != agency.pk:
        messages.warning(request, _("Tidak ada berkas yang menunggu; unggah berkas daftar pegawai."))
        return redirect(urls["upload_url"])
    try:
        report = confirm_import(request, agency, pending)
    except RosterFileError as error:
        messages.error(request, str(error))
        return redirect(urls["upload_url"])
    if not report.ok:
        messages.error(request, " ".join(report.file_errors))
        return redirect(urls["upload_url"])
    summary = _(
        "Impor %(file)s selesai: %(new)s baru, %(changed)s diubah, %(unchanged)s tetap, "
        "%(rejected)s ditolak, %(deactivated)s dinonaktifkan."
    ) % {**report.counts, "deactivated": report.deactivated, "file": pending["original"]}
    messages.success(request, summary)
    return redirect(urls["done_url"])


def import_cancel_step(request, urls):
    cancel_upload(request.session)
    messages.info(request, _("Impor dibatalkan; tidak ada data yang diubah."))
    return redirect(urls["done_url"])


@operator_required
@require_GET
def roster_export(request, fmt):
    """The agency's whole roster as xlsx or csv, formula-looking cells escaped."""
    if fmt not in FORMATS:
        raise Http404
    employees = Employee.objects.visible_to(request.user).select_related("unit").order_by("unit__name", "name")
    data, content_type = export_bytes(EmployeeResource(), employees, fmt)
    record(request, AuditEvent.Action.DOWNLOAD, Bulk(request.agency, Employee), EXPORTED, fmt=fmt)
    return attachment(data, content_type, f"pegawai-{request.agency.pk}-{timezone.localdate():%Y%m%d}.{fmt}")


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
        if header in (COLUMNS["nip"], COLUMNS["nik"]):
            for row in range(2, 5002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.append(["198001012005011001", "", "Contoh Nama, S.E.", "PNS", "Penata Muda (III/a)", "Analis", "", "Ya"])
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
