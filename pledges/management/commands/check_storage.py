"""Check the stored evidence against the database: every signed PDF and archival
timestamp file against its recorded SHA-256 and size, every signature against its
hashes (rebuilt with its own text format), every agency logo. Prints each missing
or altered file with its verification code and exits 1 when there is any.

Run it after restoring a backup, and from monitoring (e.g. nightly). A missing PDF
cannot be made again — its seal and hash were recorded when it was made — so the
remedy is the backup (``manage.py restore``), never ``render_missing_pdfs``.

What it finds about a signed PDF is noted like any hand-out's (``pledges.evidence``):
a PDF newly found missing or altered opens a finding — one trail event, and the
operator's apel page says so — and one found intact again closes it. ``--cepat``
(size only) opens findings but never closes one: an equal size proves nothing."""

from django.core.management.base import BaseCommand

from netralitas.lib.chunks import in_chunks
from pledges.evidence import Findings, Reading, read_stored
from pledges.models import ArchivalTimestamp, PactDocument, Signature, StorageFinding
from roster.models import Agency

STATE_WORDS = {PactDocument.FileState.MISSING: "HILANG", PactDocument.FileState.ALTERED: "BERUBAH"}


class Command(BaseCommand):
    help = "Periksa setiap PDF pakta tersimpan terhadap SHA-256 tercatat, dan setiap tanda tangan."
    # An operator's tool that must start fast and work on a half-restored server: no URL checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--cepat", dest="quick", action="store_true", help="hanya periksa ada dan ukurannya, tanpa SHA-256"
        )

    def handle(self, *args, quick=False, **options):
        problems = 0
        noticed = Findings(StorageFinding.During.CHECK, actor_name="manage.py check_storage")
        for label, records in (
            ("PDF pakta", PactDocument.objects.select_related("signature")),
            ("Stempel waktu arsip", ArchivalTimestamp.objects.select_related("document__signature")),
        ):
            counts = dict.fromkeys(PactDocument.FileState, 0)
            for record in in_chunks(records, 500, by_pk=True):
                reading = self._reading(record, quick)
                state = reading.state
                counts[state] += 1
                if isinstance(record, PactDocument) and not (quick and state == PactDocument.FileState.INTACT):
                    noticed(record.pk, reading, document=record)
                if state != PactDocument.FileState.INTACT:
                    problems += 1
                    signature = record.signature if isinstance(record, PactDocument) else record.document.signature
                    self.stdout.write(f"{STATE_WORDS[state]}: {record.file.name} (kode {signature.display_code})")
            self.stdout.write(
                f"{label}: {sum(counts.values())} diperiksa, {counts['intact']} utuh, "
                f"{counts['missing']} hilang, {counts['altered']} berubah."
            )
        broken = 0
        signatures = Signature.objects.all()
        for signature in in_chunks(signatures, 500, by_pk=True):
            if not signature.is_intact():
                broken += 1
                self.stdout.write(f"TIDAK UTUH: tanda tangan kode {signature.display_code}")
        without_pdf = signatures.filter(document__isnull=True).count()
        self.stdout.write(
            f"Tanda tangan: {signatures.count()} diperiksa, {broken} tidak utuh, {without_pdf} belum punya PDF."
        )
        problems += broken
        for agency in Agency.objects.exclude(logo="").order_by("pk"):
            if not agency.logo.storage.exists(agency.logo.name):
                problems += 1
                self.stdout.write(f"HILANG: logo {agency.logo.name} ({agency})")
        if problems:
            self.stdout.write(f"Ada {problems} masalah. Pulihkan berkas dari cadangan (README, Cadangan).")
            raise SystemExit(1)
        self.stdout.write("Penyimpanan utuh.")

    def _reading(self, record, quick):
        if not quick:
            return read_stored(record)
        storage = record.file.storage
        if not storage.exists(record.file.name):
            return Reading(PactDocument.FileState.MISSING)
        if storage.size(record.file.name) != record.size:
            return Reading(PactDocument.FileState.ALTERED)
        return Reading(PactDocument.FileState.INTACT)
