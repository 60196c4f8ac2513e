"""Create a development certificate for one or all agencies, for the PAdES seal on
pacts, issued by the development root CA in SIGNING_KEYS_DIR (made on first use).
Production uses the agency's own PKCS#12 (see README)."""

from django.core.management.base import BaseCommand, CommandError

from pledges.pdf.certificates import create_dev_certificate
from roster.models import Agency


class Command(BaseCommand):
    help = "Buat sertifikat pengembangan (diterbitkan CA akar pengembangan) untuk segel PDF instansi."

    def add_arguments(self, parser):
        parser.add_argument("agency_ids", nargs="*", type=int, help="id instansi; kosong = semua")
        parser.add_argument("--force", action="store_true", help="ganti sertifikat yang sudah ada")

    def handle(self, *args, agency_ids, force, **options):
        agencies = Agency.objects.filter(pk__in=agency_ids) if agency_ids else Agency.objects.all()
        if agency_ids and agencies.count() != len(set(agency_ids)):
            raise CommandError("Ada id instansi yang tidak dikenal.")
        for agency in agencies:
            if agency.certificate_path:
                self.stdout.write(f"{agency}: memakai sertifikat produksi {agency.certificate_path}, dilewati.")
                continue
            path = create_dev_certificate(agency, force=force)
            self.stdout.write(f"{agency}: {path}")
