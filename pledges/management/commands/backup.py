"""Back up the database, the media folder and the signing keys into one tar file
(``pledges.backup``), e.g. ``python manage.py backup /srv/cadangan/netralitas-$(date +%F).tar``."""

from django.core.management.base import BaseCommand, CommandError

from pledges.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Cadangkan basis data, folder media (PDF, logo) dan kunci segel ke satu berkas tar."
    # An operator's tool that must start fast and work on a half-restored server: no URL checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("target", help="berkas tar yang dibuat, mis. /srv/cadangan/netralitas.tar")

    def handle(self, *args, target, **options):
        try:
            manifest = create_backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"Cadangan dibuat: {target} — {len(manifest['files'])} berkas, {counts['signatures']} tanda tangan, "
            f"{counts['pdfs']} PDF, {counts['archival_timestamps']} stempel waktu arsip, "
            f"{counts['agencies']} instansi."
        )
