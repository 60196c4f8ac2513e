"""``manage.py personal_data NIP FILE.zip``: one person's data package (UU PDP) — the
same ZIP an operator gets from the employee's page and the signer from their personal
link (``pledges.personal_data``) — written to FILE.zip and recorded in the trail.

NIP, NI PPPK or NIK, spaces allowed. Every bad argument gets one Indonesian sentence and
exit status 1, never a traceback; an existing FILE is never overwritten."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from audit.log import record_for
from audit.models import AuditEvent
from netralitas.lib.commands import ArgumentErrorsInOneSentence
from pledges import personal_data

USAGE = "python manage.py personal_data NIP BERKAS.zip"
WRITTEN = gettext_lazy("Paket data pribadi pegawai %(name)s dibuat dari baris perintah (UU PDP)")


class Command(ArgumentErrorsInOneSentence, BaseCommand):
    help = "Tulis paket data pribadi satu pegawai (UU PDP) ke sebuah berkas ZIP."

    def add_arguments(self, parser):
        parser.add_argument("identifier", metavar="NIP", help="NIP, NI PPPK atau NIK pegawai")
        parser.add_argument("file", metavar="BERKAS.zip", help="berkas ZIP yang akan dibuat (belum ada)")

    def argument_error_text(self, message):
        return _("NIP dan BERKAS.zip wajib diisi, tidak lebih. Pemakaian: %(usage)s") % {"usage": USAGE}

    def handle(self, *args, identifier, file, **options):
        with override("id"):
            employee = personal_data.employee_by_identifier(identifier)
            if employee is None:
                raise CommandError(_("Tidak ada pegawai dengan NIP/NIK %(value)s.") % {"value": identifier})
            path = Path(file)
            if path.suffix.lower() != ".zip":
                raise CommandError(_("Nama berkas harus berakhiran .zip."))
            if not path.parent.is_dir():
                raise CommandError(_("Folder %(folder)s tidak ada.") % {"folder": path.parent})
            try:
                # Created new, readable by the owner only: the package is one person's data.
                handle = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
            except FileExistsError:
                raise CommandError(_("Berkas %(file)s sudah ada; pilih nama lain.") % {"file": path}) from None
            except OSError as error:
                raise CommandError(
                    _("Berkas %(file)s tidak dapat dibuat: %(reason)s.") % {"file": path, "reason": error.strerror}
                ) from None
            with handle:
                data = personal_data.write_package(employee, handle)
            record_for(
                None, None, AuditEvent.Action.DOWNLOAD, employee, WRITTEN, actor_name="manage.py personal_data",
                name=employee.name,
            )  # fmt: skip
            self.stdout.write(
                _("%(file)s: %(invitations)s undangan, %(events)s catatan jejak audit.")
                % {"file": path, "invitations": len(data["undangan"]), "events": len(data["jejak_audit"])}
            )
