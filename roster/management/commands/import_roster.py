"""``manage.py import_roster AGENCY_ID FILE [--dry-run] [--deactivate-missing]``:
the roster import of the operator's page, from the command line (an IT office
scripts it from a SIASN/BKD export). It runs exactly the page's two jobs — the
preview, then the import of the previewed rows — in the foreground, prints the
counts and every rejected row, and exits with status 1 when rows were rejected
(2 when the file itself cannot be read)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import override

from jobs.engine import execute
from jobs.models import Job
from roster.imports import REJECTED_KEPT, start_import, start_preview
from roster.models import Agency
from roster.reading import RosterFileError, check_upload


class Command(BaseCommand):
    help = "Impor daftar pegawai (xlsx/csv) untuk satu instansi, sama seperti halaman operator."

    def add_arguments(self, parser):
        parser.add_argument("agency_id", type=int, help="id instansi")
        parser.add_argument("file", help="berkas .xlsx atau .csv")
        parser.add_argument("--dry-run", action="store_true", help="hanya pratinjau; tidak ada yang disimpan")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="daftar lengkap: nonaktifkan pegawai aktif yang tidak tercantum di berkas",
        )

    def handle(self, *args, agency_id, file, dry_run, deactivate_missing, **options):
        with override("id"):
            return self._import(agency_id, Path(file), dry_run, deactivate_missing)

    def _import(self, agency_id, path, dry_run, deactivate_missing):
        agency = Agency.objects.filter(pk=agency_id).first()
        if agency is None:
            raise CommandError(_("Instansi dengan id %(id)s tidak ada.") % {"id": agency_id})
        if not path.name.lower().endswith((".xlsx", ".csv")):
            raise CommandError(_("Unggah berkas .xlsx (Excel) atau .csv."))
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(_("Berkas tidak dapat dibuka: %(file)s") % {"file": error.filename}) from None
        try:
            check_upload(path.name, data)
        except RosterFileError as error:
            raise CommandError(str(error), returncode=2) from None
        preview = start_preview(path.name, data, agency=agency, full_roster=deactivate_missing, enqueue=False)
        preview = execute(preview.pk)
        if preview.status != Job.Status.DONE:
            raise CommandError(preview.message, returncode=2)
        job = preview
        if not dry_run:
            job = execute(start_import(preview, enqueue=False).pk)
            if job.status != Job.Status.DONE:
                raise CommandError(job.message, returncode=2)
        self._print(job, dry_run)
        if job.result["counts"]["rejected"]:
            raise CommandError(
                _("%(count)s baris ditolak.") % {"count": job.result["counts"]["rejected"]}, returncode=1
            )

    def _print(self, job, dry_run):
        result = job.result
        counts = result["counts"]
        heading = _("Pratinjau (tidak ada yang disimpan)") if dry_run else _("Impor selesai")
        self.stdout.write(
            _(
                "%(heading)s: %(new)s baru, %(changed)s diubah, %(unchanged)s tetap, %(rejected)s ditolak, "
                "%(deactivated)s dinonaktifkan."
            )
            % {**counts, "heading": heading, "deactivated": result.get("deactivated", 0)}
        )
        if job.params.get("full_roster") and dry_run:
            self.stdout.write(_("%(count)s pegawai aktif tidak tercantum.") % {"count": result["missing_count"]})
        for number, name, identifier, messages in result["rejected"]:
            self.stdout.write(
                _("Baris %(row)s (%(who)s): %(reasons)s")
                % {"row": number, "who": name or identifier or "-", "reasons": " ".join(messages)}
            )
        if counts["rejected"] > REJECTED_KEPT:
            self.stdout.write(_("… dan %(count)s baris lainnya.") % {"count": counts["rejected"] - REJECTED_KEPT})
