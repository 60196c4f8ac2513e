"""Load the demo data (five agencies from the news reports, two elections, the
four-point pact, a ceremony per agency, a few dozen employees, one user per role)
into an empty database, and invite every demo employee. Does nothing when
agencies already exist, so `make run` can call it every time."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from ceremonies.models import Ceremony
from pledges.pdf.certificates import create_dev_certificate
from roster.models import Agency, Employee

FIXTURE = settings.BASE_DIR / "fixtures" / "demo.json"


class Command(BaseCommand):
    help = "Muat data demo ke basis data yang masih kosong."

    def handle(self, *args, **options):
        if Agency.objects.exists():
            self.stdout.write("Data demo: basis data sudah berisi instansi, tidak dimuat ulang.")
            return
        with transaction.atomic():
            call_command("loaddata", FIXTURE, verbosity=0)
            invited = 0
            for ceremony in Ceremony.objects.all():
                invited += ceremony.invite(Employee.objects.filter(agency=ceremony.agency).active())
        for agency in Agency.objects.all():
            create_dev_certificate(agency)
        self.stdout.write(
            f"Data demo dimuat: {Agency.objects.count()} instansi, {Employee.objects.count()} pegawai, "
            f"{invited} undangan. Akun demo: admin / operator / auditor, kata sandi netralitas-demo."
        )
