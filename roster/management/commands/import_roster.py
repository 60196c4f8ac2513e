"""``manage.py import_roster AGENCY_ID FILE [--dry-run] [--deactivate-missing]``:
the roster import of the operator's page, from the command line (an IT office
scripts it from a SIASN/BKD export). It runs exactly the page's two jobs — the
preview, then the import of the previewed rows — in the foreground, prints the
counts and every rejected row, and exits with status 1 when rows were rejected.

Whatever else is wrong — an argument, the file, its encoding, an error nobody
expected, a Ctrl-C — gets one Indonesian sentence and status 1 as well, never a
traceback (``--traceback`` shows one for an unexpected error), and never leaves
a job "running"."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import override

from jobs.models import Job
from jobs.tasks import execute
from jobs.work import UNEXPECTED, fail
from netralitas.lib.commands import ArgumentErrorsInOneSentence
from netralitas.lib.text import message_text
from roster.imports import REJECTED_KEPT, start_import, start_preview
from roster.models import Agency
from roster.reading import RosterFileError, check_upload, max_bytes, too_big

USAGE = "manage.py import_roster ID_INSTANSI BERKAS [--dry-run] [--deactivate-missing]"
BIGGEST_ID = 2**63 - 1


class Command(ArgumentErrorsInOneSentence, BaseCommand):
    help = "Impor daftar pegawai (xlsx/csv) untuk satu instansi, sama seperti halaman operator."

    def add_arguments(self, parser):
        # A string, checked by the command: argparse would answer "abc" in English, with status 2.
        parser.add_argument("agency_id", help="id instansi")
        parser.add_argument("file", help="berkas .xlsx atau .csv")
        parser.add_argument("--dry-run", action="store_true", help="hanya pratinjau; tidak ada yang disimpan")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="daftar lengkap: nonaktifkan pegawai aktif yang tidak tercantum di berkas",
        )

    def argument_error_text(self, message):
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            reason = _("Argumen tidak dikenal: %(arguments)s.") % {"arguments": message_text(unknown[1])}
        elif "required" in message:
            reason = _("ID_INSTANSI dan BERKAS wajib diisi.")
        else:
            reason = _("Argumen tidak dapat dibaca.")
        return _("%(reason)s Pemakaian: %(usage)s") % {"reason": reason, "usage": USAGE}

    def handle(self, *args, agency_id, file, dry_run, deactivate_missing, **options):
        self.show_traceback = options.get("traceback", False)
        with override("id"):
            try:
                return self._import(agency_id, file, dry_run, deactivate_missing)
            except CommandError:
                raise
            except Exception:
                if self.show_traceback:
                    raise
                raise CommandError(str(UNEXPECTED)) from None

    def _import(self, agency_id, file, dry_run, deactivate_missing):
        agency = self._agency(agency_id)
        path = Path(file)
        data = self._read(path)
        try:
            check_upload(path.name, data)
        except RosterFileError as error:
            raise CommandError(str(error)) from None
        preview = start_preview(path.name, data, agency=agency, full_roster=deactivate_missing, enqueue=False)
        job = self._run(preview)
        if not dry_run:
            job = self._run(start_import(job, enqueue=False))
        self._print(job, dry_run)
        if job.result["counts"]["rejected"]:
            raise CommandError(_("%(count)s baris ditolak.") % {"count": job.result["counts"]["rejected"]})

    def _agency(self, raw):
        text = raw.strip()
        if not (text.isascii() and text.isdigit()):
            raise CommandError(
                _("ID_INSTANSI harus berupa angka (id instansi di Django admin), bukan “%(value)s”.")
                % {"value": message_text(raw)[:50]}
            )
        agency = Agency.objects.filter(pk=int(text)).first() if int(text) <= BIGGEST_ID else None
        if agency is None:
            raise CommandError(_("Instansi dengan id %(id)s tidak ada.") % {"id": text[:50]})
        return agency

    def _read(self, path):
        shown = message_text(path)
        try:
            if not path.exists():
                raise CommandError(_("Berkas tidak ditemukan: %(file)s") % {"file": shown})
            if path.is_dir():
                raise CommandError(_("%(file)s adalah folder, bukan berkas.") % {"file": shown})
            if not path.is_file():
                raise CommandError(_("%(file)s bukan berkas biasa.") % {"file": shown})
            if not path.name.lower().endswith((".xlsx", ".csv")):
                raise CommandError(_("Unggah berkas .xlsx (Excel) atau .csv."))
            # Refused before it is read: a file past the limit never fills the memory.
            if path.stat().st_size > max_bytes():
                raise CommandError(str(too_big()))
            return path.read_bytes()
        except (OSError, ValueError):  # no permission, a name too long, a NUL in the name
            raise CommandError(_("Berkas tidak dapat dibuka: %(file)s") % {"file": shown}) from None

    def _run(self, job):
        """Run ``job`` in the foreground; its message when it does not end well."""
        try:
            job = execute(job.pk, reraise=self.show_traceback)
        except KeyboardInterrupt:
            # An import's transaction was rolled back; its job must not stay "running".
            message = _("Dihentikan dengan Ctrl-C sebelum selesai; tidak ada yang disimpan.")
            job.refresh_from_db()
            if not job.finished:
                fail(job, message)
            raise CommandError(message) from None
        if job.status != Job.Status.DONE:
            raise CommandError(job.message)
        return job

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
