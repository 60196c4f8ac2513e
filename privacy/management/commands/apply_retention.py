"""``manage.py apply_retention [--dry-run] [--agency ID]``: apply every agency's retention
schedule (``privacy.retention``) — daily, from cron (README). Destroys expired pacts with a
sealed berita acara, erases expired contacts, reduces expired device data, and deletes the
stored files an earlier run could not. ``--dry-run`` lists exactly what would go and
changes nothing. Bad arguments get one Indonesian sentence and exit status 1."""

import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import override

from netralitas.lib.commands import ArgumentErrorsInOneSentence
from privacy import retention
from roster.models import Agency

USAGE = "python manage.py apply_retention [--dry-run] [--agency ID]"
logger = logging.getLogger(__name__)


class Command(ArgumentErrorsInOneSentence, BaseCommand):
    help = "Terapkan jadwal retensi setiap instansi (UU PDP Pasal 44, UU 43/2009)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="tampilkan yang akan dihapus tanpa mengubah apa pun")
        parser.add_argument("--agency", metavar="ID", help="hanya instansi dengan id ini")

    def argument_error_text(self, message):
        return _("Argumen tidak dikenal. Pemakaian: %(usage)s") % {"usage": USAGE}

    def handle(self, *args, dry_run, agency, **options):
        with override("id"):
            agencies = self._agencies(agency)
            pending = retention.pending_file_deletions()
            if dry_run:
                self.stdout.write(_("Uji coba (--dry-run): tidak ada yang diubah."))
                for deletion in pending.order_by("pk"):
                    self.stdout.write(
                        _("Berkas yang belum terhapus akan dicoba lagi: %(name)s") % {"name": deletion.name}
                    )
            elif pending.exists():
                deleted, failed = retention.delete_files(pending)
                self.stdout.write(
                    _("Berkas tertunda: %(deleted)s terhapus, %(failed)s masih gagal.")
                    % {"deleted": deleted, "failed": failed}
                )
            failures = [name for name in (self._apply(item, dry_run) for item in agencies) if name]
            if failures:
                raise CommandError(
                    _("Jadwal retensi tidak dapat diterapkan untuk: %(agencies)s.") % {"agencies": ", ".join(failures)}
                )

    def _agencies(self, value):
        agencies = Agency.objects.order_by("pk")
        if value is None:
            return list(agencies)
        if not value.isdigit():
            raise CommandError(_("--agency harus id instansi (angka), bukan %(value)s.") % {"value": value})
        found = list(agencies.filter(pk=int(value)))
        if not found:
            raise CommandError(_("Tidak ada instansi dengan id %(value)s.") % {"value": value})
        return found

    def _apply(self, agency, dry_run):
        """The agency's plan written out, and carried out unless ``dry_run``; the agency's
        name when it failed."""
        plan = retention.plan(agency)
        if not plan:
            self.stdout.write(_("%(agency)s: tidak ada yang kedaluwarsa.") % {"agency": agency.name})
            return None
        self._write_plan(plan, dry_run)
        if dry_run:
            return None
        try:
            destruction = retention.carry_out(plan)
        except Exception as error:  # one agency's failure (its seal, the storage) never stops the others
            logger.exception("apply_retention failed for agency %s", agency.pk)
            self.stderr.write(
                _("%(agency)s: gagal, tidak ada yang diubah: %(reason)s") % {"agency": agency.name, "reason": error}
            )
            return agency.name
        self.stdout.write(
            _("%(agency)s: selesai, berita acara %(number)s.") % {"agency": agency.name, "number": destruction.number}
        )
        return None

    def _write_plan(self, plan, dry_run):
        out = self.stdout.write
        out((_("%(agency)s: akan diproses") if dry_run else _("%(agency)s: diproses")) % {"agency": plan.agency.name})
        out(_("  Pakta dimusnahkan: %(count)s") % {"count": len(plan.pacts)})
        for pact in plan.pacts:
            out(
                "    - "
                + _("pakta %(code)s, SHA-256 PDF %(sha)s — %(rule)s")
                % {"code": pact.display_code, "sha": pact.pdf_sha256 or "-", "rule": pact.rule}
            )
        out(_("  Nomor HP dan email dihapus: %(count)s") % {"count": len(plan.contacts)})
        for contact in plan.contacts:
            out(
                "    - "
                + _("kontak pegawai #%(id)s (%(identifier)s)")
                % {"id": contact.employee_id, "identifier": contact.masked_identifier}
            )
        out(_("  Perangkat disamarkan: %(count)s") % {"count": len(plan.devices)})
        for device in plan.devices:
            out(
                "    - "
                + _("perangkat pakta %(code)s menjadi %(address)s, %(browser)s")
                % {
                    "code": device.display_code,
                    "address": device.ip_address or "-",
                    "browser": device.user_agent or "-",
                }
            )
