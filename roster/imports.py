"""The roster import workflow: upload → preview (a background job) → confirm
(another job) — one path for the operator's pages, the Django admin and
``manage.py import_roster``.

:func:`start_preview` keeps the file in the default storage (so that any worker
behind any app server reads it) and starts the preview job; its runner
:func:`run_preview` reads the file once, keeps the parsed rows and reports what
an import would do. :func:`start_import` starts the import job for a finished
preview; :func:`run_import` plans the kept rows against the database as it is
then and writes them in one transaction — together with the job's result and the
trail event, so a worker killed halfway leaves nothing half-done.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import Bulk, record_for
from audit.models import AuditEvent
from jobs.engine import enqueue_job, start_job
from jobs.kinds import kind
from jobs.models import Job
from jobs.storage import WORK_DIR, load_json, save_json
from jobs.work import JobError, Outcome, finish
from netralitas.lib.text import message_text
from roster import import_rows
from roster.identity import Identifier
from roster.import_rows import printable
from roster.models import Agency, Employee
from roster.reading import RosterFileError, kind_of, read_rows

ORIGINAL_NAME_LENGTH = 200
SHOWN = 300  # rows of each kind kept for the page; the counts are always complete
REJECTED_KEPT = 5000  # rejected rows kept with their reasons (the command line prints them)
# The trail's description, stored in Indonesian whatever the page language.
IMPORTED = gettext_lazy(
    "Impor %(file)s: %(new)s baru, %(changed)s diubah, %(unchanged)s tetap, %(rejected)s ditolak, "
    "%(deactivated)s dinonaktifkan"
)
COMMAND_USER = "manage.py import_roster"


def start_preview(upload_name, data, *, agency, full_roster, user=None, ip_address=None, urls=None, enqueue=True):
    """Keep the uploaded bytes and start the preview job; returns the job."""
    original = message_text(upload_name)[:ORIGINAL_NAME_LENGTH]  # a name from a shell may hold anything
    job = start_job(
        kind=roster_preview,
        title=_("Pratinjau impor %(file)s") % {"file": original},
        user=user,
        ip_address=ip_address,
        agency=agency,
        enqueue=False,
    )
    name = default_storage.save(f"{WORK_DIR}/{job.pk}.{kind_of(upload_name)}", ContentFile(data))
    job.params = {
        "upload": name,
        "original": original,
        "full_roster": bool(full_roster),
        "work_files": [name],
        "result_template": "roster/includes/import_report.html",
        **(urls or {}),
    }
    job.save(update_fields=["params"])
    if enqueue:
        enqueue_job(job)
    return job


@kind("roster_preview", gettext_lazy("Pratinjau impor daftar pegawai"))
def roster_preview(job, progress):
    """Read and parse the file once, keep the parsed rows, report the plan."""
    agency = job.agency
    name = job.params["upload"]
    if not default_storage.exists(name):
        raise JobError(_("Berkas unggahan tidak ditemukan lagi; unggah ulang."))
    progress.stage(_("Membaca berkas"))
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    try:
        table = read_rows(name, data, import_rows.is_header)
    except RosterFileError as error:
        raise JobError(str(error)) from None
    progress.stage(_("Memeriksa baris"), total=len(table.rows))
    rows = import_rows.parse(table, progress)
    planned = import_rows.plan(agency, rows, full_roster=job.params["full_roster"])
    parsed_name = save_json(job, ".rows.json.gz", rows)
    default_storage.delete(name)
    job.params["parsed"] = parsed_name
    job.params["work_files"] = [parsed_name]
    job.params["sheet"] = table.sheet
    Job.objects.filter(pk=job.pk).update(params=job.params)
    return Outcome(result=report(planned, deactivated=0))


def report(planned, *, deactivated):
    """What the page (and the command line) show of a plan."""

    def brief(row):
        identifier = str(Identifier.of(row[import_rows.NIP], row[import_rows.NIK]))
        return [row[import_rows.ROW], printable(row[import_rows.NAME]), printable(identifier)]

    def shown(messages):
        return [printable(message) for message in messages]

    return {
        "counts": planned.counts,
        "new": [brief(row) for row in planned.new[:SHOWN]],
        "changed": [[*brief(row), shown(changes)] for row, _pk, changes in planned.changed[:SHOWN]],
        "rejected": [[*brief(row), shown(messages)] for row, messages in planned.rejected[:REJECTED_KEPT]],
        "missing_count": len(planned.missing),
        "missing": [name for _pk, name in planned.missing[:SHOWN]],
        "deactivated": deactivated,
    }


def already_confirmed(preview):
    return Job.objects.filter(kind=roster_import.name, params__preview=str(preview.pk)).first()


def start_import(preview, *, user=None, ip_address=None, enqueue=True):
    """Start the import of a finished preview; returns the job."""
    params = {
        key: preview.params[key] for key in ("parsed", "original", "full_roster", "done_url") if key in preview.params
    }
    return start_job(
        kind=roster_import,
        title=_("Impor %(file)s") % {"file": preview.params["original"]},
        user=user,
        ip_address=ip_address,
        agency=preview.agency,
        params={**params, "preview": str(preview.pk), "result_template": "roster/includes/import_report.html"},
        enqueue=enqueue,
    )


@kind("roster_import", gettext_lazy("Impor daftar pegawai"))
def roster_import(job, progress):
    """Plan the kept rows against the roster as it is now and write them, the job's
    result and the trail event in one transaction."""
    agency = Agency.objects.get(pk=job.agency_id)
    try:
        rows = load_json(job.params["parsed"])
    except (KeyError, FileNotFoundError, OSError):
        raise JobError(_("Hasil pratinjau tidak ditemukan lagi (sudah kedaluwarsa); unggah ulang berkasnya.")) from None
    progress.stage(_("Mencocokkan dengan daftar pegawai"))
    planned = import_rows.plan(agency, rows, full_roster=job.params.get("full_roster", False))
    progress.stage(_("Menyimpan"), total=len(planned.new) + len(planned.changed))
    with transaction.atomic():
        deactivated = import_rows.write(
            agency, planned, deactivate_missing=job.params.get("full_roster", False), progress=progress
        )
        result = report(planned, deactivated=deactivated)
        numbers = {**result["counts"], "deactivated": deactivated, "file": job.params.get("original", "")}
        record_for(
            job.user,
            job.ip_address,
            AuditEvent.Action.IMPORT,
            Bulk(agency, Employee),
            IMPORTED,
            actor_name=COMMAND_USER,
            **numbers,
        )
        job.finished_at = timezone.now()
        finish(job, Outcome(result=result, message=summary(job.params.get("original", ""), result)))
        # The parsed rows (names, NIPs) are not kept a day longer than they are needed.
        transaction.on_commit(lambda: default_storage.delete(job.params["parsed"]))
    return None


def summary(original, result):
    return _(
        "Impor %(file)s selesai: %(new)s baru, %(changed)s diubah, %(unchanged)s tetap, "
        "%(rejected)s ditolak, %(deactivated)s dinonaktifkan."
    ) % {**result["counts"], "deactivated": result["deactivated"], "file": original}
