"""Restore a backup made by ``manage.py backup`` into an empty database and this
installation's folders (``pledges.backup``). Every file's SHA-256 is checked first;
nothing is overwritten. Then run ``check_storage`` and ``check_guards``."""

from django.core.management.base import BaseCommand, CommandError

from pledges.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Pulihkan cadangan (basis data, media, kunci segel) ke basis data kosong."
    # An operator's tool that must start fast and work on a half-restored server: no URL checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", help="berkas tar dari manage.py backup")

    def handle(self, *args, archive, **options):
        try:
            manifest = restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"Cadangan {manifest['created_at']} dipulihkan: {counts['signatures']} tanda tangan, {counts['pdfs']} PDF, "
            f"{counts['archival_timestamps']} stempel waktu arsip, {counts['agencies']} instansi. "
            "Periksa: manage.py check_storage dan manage.py check_guards."
        )
