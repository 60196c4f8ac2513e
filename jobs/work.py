"""What a job's runner works with: :class:`Progress` to say how far it got,
:class:`Outcome` for what it made, :class:`JobError` for why it cannot be done, a
temporary output file, and :func:`finish` / :func:`fail` for a runner that ends its job
itself (the roster import commits its result with its rows)."""

import logging
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, override

from jobs.models import Job
from netralitas.lib import events
from netralitas.lib.spreadsheet import CONTENT_TYPES, write_table
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
    with transaction.atomic():  # the webhooks' outbox row, if the agency wants it, commits with the end
        job.save()
        announce_finished(job)


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
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, message=message, finished_at=timezone.now())
        job.status = Job.Status.FAILED
        announce_finished(job)


def announce_finished(job):
    """``job.finished`` for the agency's webhooks: its kind and how it ended — not its id,
    which the pages treat as a link's secret (logs never show it in full)."""
    if job.agency_id is not None and events.wanted(events.JOB_FINISHED, job.agency_id):
        events.emit(events.JOB_FINISHED, job.agency_id, kind=job.kind, status=job.status)


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


def table_file(progress, file_format, filename, headers, rows, *, sheet, widths=None):
    """A job's spreadsheet: ``rows`` (streamed) under ``headers`` written as an xlsx or
    csv file named ``filename.<format>`` — the :class:`Outcome` every table export ends
    with, its row count the result."""
    with temporary_output(f".{file_format}") as path:
        count = write_table(path, file_format, headers, rows, sheet=sheet, widths=widths, progress=progress.step)
        return Outcome(
            path=path,
            filename=f"{filename}.{file_format}",
            content_type=CONTENT_TYPES[file_format],
            result={"rows": count},
        )
