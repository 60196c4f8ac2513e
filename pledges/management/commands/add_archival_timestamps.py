"""Add archival document timestamps (PAdES B-LTA) to the stored pacts that have none
yet, and to those whose latest one expires within the margin (``pledges.archival``).

Run it from cron, e.g. nightly: ``python manage.py add_archival_timestamps``. Each
timestamp is a new record and a new file; nothing stored before is changed. Running
it twice changes nothing the second time. Exits 1 when a pact could not be stamped
(the message says which and why; the next run tries again)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pledges.archival import NotStamped, add_archival_timestamp, due, tsa_certificate_expiry

DEFAULT_MARGIN_DAYS = 180


class Command(BaseCommand):
    help = "Tambahkan stempel waktu arsip (PAdES B-LTA) pada PDF pakta sebelum stempel waktu lamanya kedaluwarsa."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dalam-hari",
            dest="within_days",
            type=int,
            default=DEFAULT_MARGIN_DAYS,
            help=f"perbarui yang stempel waktunya kedaluwarsa dalam sekian hari (bawaan {DEFAULT_MARGIN_DAYS})",
        )
        parser.add_argument("--limit", type=int, default=None, help="paling banyak sekian PDF")

    def handle(self, *args, within_days, limit=None, **options):
        if not settings.TSA_URL:
            raise CommandError("TSA_URL belum diatur: stempel waktu arsip membutuhkan layanan TSA (README).")
        try:
            tsa_expiry = tsa_certificate_expiry()
        except Exception as error:
            raise CommandError(f"TSA tidak dapat dihubungi: {type(error).__name__}: {error}") from error
        documents = due(datetime.timedelta(days=within_days), tsa_expiry).select_related(
            "signature__invitation__ceremony__agency"
        )[:limit]
        made = failed = 0
        for document in documents:
            try:
                add_archival_timestamp(document)
                made += 1
            except NotStamped as problem:
                failed += 1
                self.stderr.write(f"PDF pakta {document.signature.verification_code}: {problem}")
        self.stdout.write(
            f"Stempel waktu arsip ditambahkan: {made}, gagal: {failed}. "
            f"Sertifikat TSA saat ini berlaku sampai {tsa_expiry:%Y-%m-%d}."
        )
        if failed:
            raise SystemExit(1)
