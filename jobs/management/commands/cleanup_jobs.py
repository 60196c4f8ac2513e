"""``manage.py cleanup_jobs``: delete the jobs (and their files) past their
``JOB_FILES_DAYS``. Run it daily from cron or a systemd timer (README)."""

from django.core.management.base import BaseCommand

from jobs.models import Job
from jobs.storage import delete_job_files
from netralitas.lib.chunks import in_chunks


class Command(BaseCommand):
    help = "Hapus pekerjaan latar belakang yang kedaluwarsa beserta berkasnya."

    def handle(self, *args, **options):
        count = 0
        for job in in_chunks(Job.objects.expired(), 500, by_pk=True):
            delete_job_files(job)
            job.delete()
            count += 1
        self.stdout.write(f"{count} pekerjaan kedaluwarsa dihapus.")
