"""The roster import workflow: upload → preview (a dry run) → confirm.

One path for the operator's pages and the Django admin alike: :func:`keep_upload`
stores the file and remembers it in the session, :func:`run_import` previews
(``dry_run=True``) or imports it, :func:`confirm_import` imports it for real and
writes the trail. The file is kept in the default storage between the steps (so
any app server behind a load balancer can confirm it) and deleted afterwards.
"""

import csv
import io
import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import RowResult

from audit.log import Bulk, record
from audit.models import AuditEvent
from roster.models import Employee
from roster.resources import COLUMNS, EmployeeResource

PENDING_DIR = "imports"
SESSION_KEY = "roster_import"
ORIGINAL_NAME_LENGTH = 200
# The trail's description, stored in Indonesian whatever the page language.
IMPORTED = gettext_lazy(
    "Impor %(file)s: %(new)s baru, %(changed)s diubah, %(unchanged)s tetap, %(rejected)s ditolak, "
    "%(deactivated)s dinonaktifkan"
)
PREVIEW_LIMIT = 300  # rows of each kind shown in the preview; the counts are always complete


class RosterFileError(Exception):
    """The file cannot be read as a roster at all; the message says why."""


def store_upload(upload):
    """Keep the uploaded file until the operator confirms; returns its storage name."""
    extension = "xlsx" if upload.name.lower().endswith(".xlsx") else "csv"
    return default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}.{extension}", ContentFile(upload.read()))


def discard_upload(name):
    if name and name.startswith(f"{PENDING_DIR}/") and default_storage.exists(name):
        default_storage.delete(name)


def keep_upload(session, upload, *, agency, full_roster):
    """Store ``upload`` for ``agency`` until it is confirmed or cancelled, replacing
    any upload that was waiting in this session."""
    discard_upload((session.get(SESSION_KEY) or {}).get("name"))
    session[SESSION_KEY] = {
        "name": store_upload(upload),
        "original": upload.name[:ORIGINAL_NAME_LENGTH],
        "agency": agency.pk,
        "full_roster": full_roster,
    }


def waiting_upload(session, *, take=False):
    """The upload waiting in this session (removed from it when ``take``), or ``None``."""
    return session.pop(SESSION_KEY, None) if take else session.get(SESSION_KEY)


def cancel_upload(session):
    pending = session.pop(SESSION_KEY, None)
    if pending:
        discard_upload(pending["name"])


def confirm_import(request, agency, pending):
    """Import the waiting upload ``pending`` for ``agency`` for real, delete the file
    and record the import in the trail. Returns the report; raises RosterFileError
    when the file cannot be read."""
    try:
        report = run_import(agency, pending["name"], dry_run=False, full_roster=pending["full_roster"])
    finally:
        discard_upload(pending["name"])
    if report.ok:
        numbers = {**report.counts, "deactivated": report.deactivated, "file": pending["original"]}
        record(request, AuditEvent.Action.IMPORT, Bulk(agency, Employee), IMPORTED, **numbers)
    return report


def load_dataset(name):
    """Read a stored upload into a tablib Dataset, or raise RosterFileError."""
    if not name.startswith(f"{PENDING_DIR}/") or not default_storage.exists(name):
        raise RosterFileError(_("Berkas unggahan tidak ditemukan lagi; unggah ulang."))
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    try:
        if name.endswith(".xlsx"):
            dataset = XLSX().create_dataset(data)
        else:
            dataset = CSV().create_dataset(_decode_csv(data))
    except RosterFileError:
        raise
    except Exception as exc:
        raise RosterFileError(
            _("Berkas tidak dapat dibaca sebagai %(kind)s: %(error)s")
            % {"kind": "Excel (.xlsx)" if name.endswith(".xlsx") else "CSV", "error": exc}
        ) from None
    if not dataset.headers:
        raise RosterFileError(_("Berkas kosong: tidak ada baris judul kolom."))
    return dataset


def _decode_csv(data):
    """CSV from Excel comes as UTF-8 (with or without BOM) or Windows-1252, and with
    commas or — in Indonesian Excel — semicolons. Normalise to comma-separated text."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything; latin-1 decodes everything
        text = data.decode("latin-1")
    first_line = text.split("\n", 1)[0]
    if first_line.count(";") > first_line.count(","):
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        text = buffer.getvalue()
    return text


@dataclass
class RowReport:
    number: int
    name: str
    identifier: str
    messages: list = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did (or, for the preview, would do)."""

    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0
    rejected: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    deactivated: int = 0

    @property
    def ok(self):
        return not self.file_errors


def run_import(agency, name, *, dry_run, full_roster=False):
    """Import the stored file for ``agency``. In a dry run nothing is written; a real
    run writes the good rows and, for a full roster, marks the missing employees
    inactive — in one transaction."""
    dataset = load_dataset(name)
    resource = EmployeeResource(agency=agency)
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True)
        report = _report(result, dataset)
        if report.ok and full_roster:
            report.missing = resource.missing_employees()
            if not dry_run and report.missing:
                report.deactivated = Employee.objects.filter(pk__in=[e.pk for e in report.missing]).update(
                    is_active=False
                )
    return report


def _report(result, dataset):
    report = ImportReport()
    report.file_errors = [str(getattr(error.error, "message", error.error)) for error in result.base_errors]
    report.counts = {
        "new": result.totals[RowResult.IMPORT_TYPE_NEW],
        "changed": result.totals[RowResult.IMPORT_TYPE_UPDATE],
        "unchanged": result.totals[RowResult.IMPORT_TYPE_SKIP],
        "rejected": result.totals[RowResult.IMPORT_TYPE_INVALID] + result.totals[RowResult.IMPORT_TYPE_ERROR],
    }
    report.unchanged = report.counts["unchanged"]
    headers = dataset.headers or []

    def cell(values, column):
        return str(values.get(column) or "").strip()

    for number, row in enumerate(result.rows, start=1):
        values = dict(zip(headers, dataset[number - 1], strict=False)) if number <= len(dataset) else {}
        entry = RowReport(
            number=number + 1,  # the spreadsheet row: the header is row 1
            name=cell(values, COLUMNS["name"]),
            identifier=cell(values, COLUMNS["nip"]) or cell(values, COLUMNS["nik"]),
        )
        if row.import_type == RowResult.IMPORT_TYPE_NEW and len(report.new) < PREVIEW_LIMIT:
            report.new.append(entry)
        elif row.import_type == RowResult.IMPORT_TYPE_UPDATE and len(report.changed) < PREVIEW_LIMIT:
            entry.messages = getattr(row, "changes", [])
            report.changed.append(entry)
    for invalid in result.invalid_rows:
        values = dict(zip(headers, dataset[invalid.number - 1], strict=False))
        messages = [message for messages in invalid.error.message_dict.values() for message in messages]
        report.rejected.append(
            RowReport(
                number=invalid.number + 1,
                name=cell(values, COLUMNS["name"]),
                identifier=cell(values, COLUMNS["nip"]) or cell(values, COLUMNS["nik"]),
                messages=messages,
            )
        )
    for number, error_row in result.row_errors():
        report.rejected.append(
            RowReport(number=number + 1, name="", identifier="", messages=[str(e.error) for e in error_row])
        )
    report.rejected.sort(key=lambda entry: entry.number)
    return report
