"""Starting a job and running it: one way for every kind.

A view (or a management command) calls :func:`start_job`, which saves the
:class:`~jobs.models.Job` and queues ``jobs.tasks.run_job``; the worker calls
:func:`execute`, which imports the job's runner and hands it a
:class:`Progress`. A runner returns an :class:`Outcome` (a file to keep, a result
to show) or raises :class:`JobError` with a message for the person who started it.
The command line calls :func:`execute` directly: the same job, in the foreground.
"""

import logging
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy, override

from jobs.models import Job
from netralitas.lib.http import client_ip
from netralitas.lib.text import message_text

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between progress writes: a poll every second sees it move
UNEXPECTED = gettext_lazy("Terjadi kesalahan yang tidak terduga; coba lagi atau hubungi admin sistem.")


class JobError(Exception):
    """The job cannot be done; the message (Indonesian) tells the person why."""


@dataclass
class Outcome:
    """What a runner made: a file to keep (a path on local disk) and/or a result to show."""

    path: str = ""
    filename: str = ""
    content_type: str = ""
    result: dict = field(default_factory=dict)
    message: str = ""


class Progress:
    """How far a job got: ``progress.step(n)`` after each piece, ``progress.stage(text, total)``
    when a new phase starts. Writes are throttled to one every ``PROGRESS_EVERY`` seconds."""

    def __init__(self, job):
        self.job = job
        self.done = 0
        self.total = 0
        self._written = 0.0

    def stage(self, text, total=None):
        self.job.stage = message_text(text)[:200]
        if total is not None:
            self.total, self.done = total, 0
        self._write(force=True)

    def step(self, count=1):
        self.done = min(self.total, self.done + count) if self.total else self.done + count
        self._write()

    def _write(self, force=False):
        now = time.monotonic()
        if not force and now - self._written < PROGRESS_EVERY:
            return
        self._written = now
        total = max(self.total, self.done)
        Job.objects.filter(pk=self.job.pk).update(stage=self.job.stage, done=self.done, total=total)


def start_job(*, kind, title, runner, user=None, ip_address=None, agency=None, params=None, enqueue=True):
    """Save a job and queue it; returns the job. ``user`` is ``None`` for the command line."""
    job = Job.objects.create(
        kind=kind,
        title=message_text(title)[:300],  # no control characters, whatever the file name
        runner=runner,
        params=params or {},
        user=user,
        username=user.get_username() if user else "",
        ip_address=ip_address,
        agency=agency,
    )
    if enqueue:
        enqueue_job(job)
    return job


def start_for(request, **kwargs):
    """:func:`start_job` for the person behind ``request``."""
    return start_job(user=request.user, ip_address=client_ip(request), **kwargs)


def enqueue_job(job):
    """Queue ``job``'s task once the surrounding transaction commits (a fast worker
    must never look for a job it cannot see yet)."""

    def send():
        from jobs.tasks import run_job

        result = run_job.enqueue(str(job.pk))
        job.task_id = str(result.id)
        Job.objects.filter(pk=job.pk).update(task_id=job.task_id)

    transaction.on_commit(send)


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
            outcome = import_string(job.runner)(job, progress)
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


def finish(job, outcome, *, seconds=None):
    """Keep the runner's file and result and mark the job done."""
    if outcome.path:
        with open(outcome.path, "rb") as handle:
            job.file.save(outcome.filename, File(handle), save=False)
        job.size = os.path.getsize(outcome.path)
        job.filename = outcome.filename
        job.content_type = outcome.content_type
        os.unlink(outcome.path)
    job.result = {**outcome.result, **({"seconds": round(seconds, 2)} if seconds is not None else {})}
    job.message = outcome.message
    job.status = Job.Status.DONE
    job.done = job.total = max(job.total, job.done)
    job.finished_at = timezone.now()
    job.save()


def fail(job, message):
    """Mark ``job`` failed with ``message`` (Indonesian), stored without hidden
    characters. Should even that be refused, the job still ends failed, with the
    general message: a job never stays "running" because its error could not be said."""
    with override("id"):
        try:
            _mark_failed(job, message_text(message))
        except Exception:
            logger.exception("Job %s: its message could not be stored; storing the general one", job.pk)
            _mark_failed(job, str(UNEXPECTED))
    job.refresh_from_db()


def _mark_failed(job, message):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, message=message, finished_at=timezone.now())


@contextmanager
def temporary_output(suffix):
    """A path for a runner's output file; removed if the runner fails before handing it over."""
    handle, path = tempfile.mkstemp(prefix="netralitas-job-", suffix=suffix)
    os.close(handle)
    try:
        yield path
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
