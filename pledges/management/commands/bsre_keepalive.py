"""Keep each BSrE agency's rolling code alive: refresh it when little time is left (or
probe BSrE while it refuses or does not answer) and make sure the workers' keep-alive is
queued. The workers do this by themselves; run this from cron as a safety net, e.g.
every minute. Exits 1 when an agency cannot seal (the reason is printed)."""

from django.core.management.base import BaseCommand

from pledges.bsre import codes
from pledges.bsre.status import bsre_status
from pledges.tasks import schedule_drain, schedule_keep_alive
from roster.models import Agency


class Command(BaseCommand):
    help = "Perbarui kode sekali pakai BSrE instansi bila hampir kedaluwarsa (pengaman dari cron)."

    def add_arguments(self, parser):
        parser.add_argument("agency_ids", nargs="*", type=int, help="id instansi; kosong = semua yang memakai BSrE")

    def handle(self, *args, agency_ids, **options):
        agencies = Agency.objects.filter(seal_service=Agency.SealService.BSRE)
        if agency_ids:
            agencies = agencies.filter(pk__in=agency_ids)
        failing = 0
        for agency in agencies:
            try:
                usable = codes.keep_alive(agency)
            except codes.CodeUnavailable:
                usable = False
            schedule_keep_alive(agency.pk)
            if usable:
                schedule_drain(agency)
            status = bsre_status(agency)
            failing += not status.usable
            self.stdout.write(f"{agency}: {status.reason}")
        if failing:
            raise SystemExit(1)
