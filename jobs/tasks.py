"""Running a job: the one task every job runs in (queue ``jobs``, below the signed PDFs
in priority: a worker that serves both queues always renders a waiting pact first), and
:func:`execute`, which the command line calls too — the same job, in the foreground."""

import logging
import time

from django.utils import timezone
from django.utils.translation import gettext_lazy, override
from django_tasks import task

from jobs import kinds
from jobs.models import Job
from jobs.work import UNEXPECTED, JobError, Progress, fail, finish
from netralitas.lib.text import message_text

logger = logging.getLogger(__name__)
UNKNOWN_KIND = gettext_lazy("Jenis pekerjaan ini tidak dikenal aplikasi versi ini; mulai lagi dari halamannya.")

JOB_QUEUE = "jobs"
JOB_PRIORITY = -10


@task(queue_name=JOB_QUEUE, priority=JOB_PRIORITY)
def run_job(job_id):
    job = execute(job_id)
    return job.status if job else None


def execute(job_id, *, reraise=True):
    """Run the job ``job_id`` to its end (the worker's task, or the command line).
    A job that already ended is left as it is: a retried task never does it twice.

    Whatever goes wrong ends the job failed with a message for the person who
    started it: a :class:`JobError`'s own, or "an unexpected error" — then the
    exception is raised again (the worker records it on the task) unless
    ``reraise`` is false (the command line tells the message, not a traceback)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.finished:
        return job
    # The message stays: a job taken back from a dead worker says so while it runs again.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), attempts=job.attempts + 1
    )
    job.refresh_from_db()
    progress = Progress(job)
    started = time.perf_counter()
    try:
        with override("id"):  # files and messages of a job are Indonesian, like every document
            job_kind = kinds.get(job.kind)
            if job_kind is None:  # a kind no app registers (any more): said, not crashed
                raise JobError(UNKNOWN_KIND)
            outcome = job_kind(job, progress)
            job.refresh_from_db()
            if not job.finished:  # else the runner ended it itself (an import commits its result with its rows)
                finish(job, outcome, seconds=time.perf_counter() - started)
    except JobError as error:
        fail(job, str(error))
    except Exception as error:
        if reraise:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
        else:
            logger.error("Job %s (%s) failed: %s", job.pk, job.kind, message_text(repr(error))[:500])
        fail(job, UNEXPECTED)
        if reraise:
            raise
    return job
