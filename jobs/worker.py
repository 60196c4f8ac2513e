"""Workers that notice when one of them died.

django-tasks-db marks a task ``RUNNING`` when a worker claims it and nothing
else: a worker killed with SIGKILL (or an out-of-memory kill, or a lost machine)
leaves its task ``RUNNING`` forever. So every ``db_worker`` (``jobs``' override of
the command) keeps a heartbeat row fresh from a thread, which every few seconds
also looks for tasks whose worker's heartbeat is older than the lease
(``TASKS_LEASE_SECONDS``): such a task is put back in the queue, up to
``TASKS_MAX_ATTEMPTS`` claims in all, then marked failed with a message that says
what happened. Every task of the queue is covered — signed PDFs and jobs alike;
a job follows its task (:func:`jobs.models.Job` shows "diulang" or "gagal").
"""

import datetime
import logging
import os
import socket
import threading
import time
from traceback import format_exception

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from jobs.models import Job, WorkerHeartbeat
from jobs.work import UNEXPECTED
from netralitas.lib.text import message_text

logger = logging.getLogger(__name__)

RUNNING = "RUNNING"
READY = "READY"
FAILED = "FAILED"


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it (killed, out of memory,
    machine lost). Recorded as the task's error class when it is not retried."""


def lease_seconds():
    return settings.TASKS_LEASE_SECONDS


def heartbeat_seconds():
    return max(0.2, lease_seconds() / 6)


class Heartbeat:
    """A daemon thread that keeps this worker's heartbeat row fresh and, every
    ``TASKS_RECLAIM_EVERY`` seconds, takes back the tasks of workers that stopped
    beating — whether this worker is idle or busy with a long task."""

    def __init__(self, worker_id):
        self.worker_id = worker_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id}", daemon=True)

    def start(self):
        self.beat()
        self._thread.start()

    def beat(self):
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": timezone.now(), "hostname": socket.gethostname()[:200], "pid": os.getpid()},
        )

    def _run(self):
        next_reclaim = time.monotonic() + settings.TASKS_RECLAIM_EVERY
        try:
            while not self._stop.wait(heartbeat_seconds()):
                try:
                    self.beat()
                    if time.monotonic() >= next_reclaim:
                        next_reclaim = time.monotonic() + settings.TASKS_RECLAIM_EVERY
                        reclaim_stale_tasks()
                except Exception:  # a database hiccup: try again at the next beat
                    logger.exception("Heartbeat of worker %s failed", self.worker_id)
                    close_old_connections()
        finally:
            connection.close()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


def reclaim_stale_tasks(now=None):
    """Put back (or fail) the tasks whose worker stopped beating. Returns
    ``(requeued, failed)`` counts. Safe to run from several workers at once."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=lease_seconds())
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    # Claimed before the lease began: a claim younger than that may belong to a worker
    # whose first beat is still on its way.
    candidates = DBTaskResult.objects.filter(status=RUNNING, started_at__lt=cutoff).values_list("id", "worker_ids")
    requeued = failed = 0
    for task_id, worker_ids in candidates:
        if worker_ids and worker_ids[-1] in alive:
            continue
        outcome = _reclaim(task_id, worker_ids, now)
        requeued += outcome == READY
        failed += outcome == FAILED
    if requeued or failed:
        WorkerHeartbeat.objects.filter(seen_at__lt=cutoff).delete()
    return requeued, failed


def _reclaim(task_id, worker_ids, now):
    with exclusive_transaction(DBTaskResult.objects.db):
        task = DBTaskResult.objects.select_for_update(skip_locked=True).filter(pk=task_id, status=RUNNING).first()
        if task is None or task.worker_ids != worker_ids:
            return None  # finished, or claimed again, meanwhile
        attempts = len(task.worker_ids)
        lost = worker_ids[-1] if worker_ids else "?"
        if attempts < settings.TASKS_MAX_ATTEMPTS:
            task.status = READY
            task.save(update_fields=["status"])
            logger.warning("Task %s (%s): worker %s stopped; queued again", task.pk, task.task_path, lost)
            with override("id"):
                message = _(
                    "Pekerja yang menjalankannya berhenti di tengah jalan; diulang (percobaan %(next)s dari %(max)s)."
                ) % {
                    "next": attempts + 1,
                    "max": settings.TASKS_MAX_ATTEMPTS,
                }
            Job.objects.filter(task_id=str(task.pk), status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).update(
                status=Job.Status.QUEUED, message=message, done=0
            )
            return READY
        task.status = FAILED
        task.finished_at = now
        task.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
        task.traceback = (
            f"WorkerLost: worker {lost} stopped beating while running this task "
            f"(claimed {attempts} times; lease {lease_seconds()} s); not retried again.\n"
        )
        task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
        logger.error("Task %s (%s): worker %s stopped; failed after %s claims", task.pk, task.task_path, lost, attempts)
        with override("id"):
            message = _(
                "Pekerja yang menjalankannya berhenti di tengah jalan %(count)s kali; pekerjaan dihentikan. "
                "Mulai lagi, dan bila terulang hubungi admin sistem (mungkin memorinya kurang)."
            ) % {"count": attempts}
        Job.objects.filter(task_id=str(task.pk)).exclude(status=Job.Status.DONE).update(
            status=Job.Status.FAILED, message=message, finished_at=now
        )
        return FAILED


def record_failure(task_id, error):
    """Mark the task ``task_id`` failed by ``error`` when django-tasks-db could not
    record it itself — a traceback the database refuses (a NUL, a lone surrogate) once
    made the worker exit and every retry kill the next one. The traceback is kept with
    those characters shown as U+FFFD (or, should even that be refused, only the
    exception's class), and the task's job, if any, fails with the general message."""
    now = timezone.now()
    class_path = message_text(f"{type(error).__module__}.{type(error).__qualname__}")[:200]
    tracebacks = (message_text("".join(format_exception(error)), multiline=True), f"{class_path}\n")
    for text in tracebacks:
        try:
            DBTaskResult.objects.filter(pk=task_id, status=RUNNING).update(
                status=FAILED, finished_at=now, exception_class_path=class_path, traceback=text, return_value=None
            )
            break
        except Exception:
            logger.exception("Task %s: its failure could not be recorded", task_id)
            close_old_connections()
    with override("id"):
        Job.objects.filter(task_id=str(task_id)).exclude(status__in=[Job.Status.DONE, Job.Status.FAILED]).update(
            status=Job.Status.FAILED, message=str(UNEXPECTED), finished_at=now
        )
