"""Find signatures that have no PDF yet and render them.

Idempotent and safe to run twice at once (the database keeps one PDF per
signature). Run it from cron as a safety net. It never replaces a PDF whose file
went missing (its seal and hash are on record): ``check_storage`` finds those, and
the backup brings them back. An agency that seals through BSrE gets a drain of its
waiting pacts here, the ones given up on after refused answers included."""

from django.core.management.base import BaseCommand

from pledges.bsre import pipeline
from pledges.documents import SealedThroughBsre, pact_document_create, signatures_without_document


class Command(BaseCommand):
    help = "Buat PDF untuk tanda tangan yang belum punya PDF."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="paling banyak sekian tanda tangan")

    def handle(self, *args, limit=None, **options):
        ids = list(signatures_without_document().values_list("pk", flat=True)[:limit])
        made = failed = 0
        through_bsre = {}
        for signature_id in ids:
            try:
                pact_document_create(signature_id)
                made += 1
            except SealedThroughBsre as sealed:
                through_bsre[sealed.agency.pk] = sealed.agency
            except Exception as exc:  # report and go on with the others
                failed += 1
                self.stderr.write(f"Tanda tangan {signature_id}: {type(exc).__name__}: {exc}")
        for agency in through_bsre.values():
            pipeline.try_again(agency)
            stored = pipeline.drain(agency).stored
            made += stored
            waiting = pipeline.waiting(agency).count()
            self.stdout.write(f"{agency}: disegel BSrE {stored}, masih menunggu {waiting}.")
        self.stdout.write(f"PDF dibuat: {made}, gagal: {failed}, diperiksa: {len(ids)}.")
        if failed:
            raise SystemExit(1)
