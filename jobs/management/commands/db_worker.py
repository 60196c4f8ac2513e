"""``manage.py db_worker``: django-tasks-db's worker, with a heartbeat, the
reclaim of tasks whose worker died, and a failure that is always recorded
(``jobs.worker``). Same options as the original; ``jobs`` is listed before
``django_tasks_db`` in ``INSTALLED_APPS`` so this one wins."""

import logging

from django_tasks_db.management.commands import db_worker

from jobs.worker import Heartbeat, record_failure

logger = logging.getLogger(__name__)


class LeasedWorker(db_worker.Worker):
    """The original worker, beating (and reclaiming) from a thread while it runs."""

    def run(self):
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.start()
        try:
            return super().run()
        finally:
            heartbeat.stop()

    def run_task(self, db_task_result):
        """The original, which records a task's failure itself — except when the
        database refuses what it records (then the original raised, and the process
        exited): here that failure is recorded without it and the worker serves on."""
        try:
            super().run_task(db_task_result)
        except Exception as error:
            logger.exception("Task %s: recording its end failed", db_task_result.pk)
            try:
                record_failure(db_task_result.pk, error.__context__ or error)
            except Exception:  # the database is gone: the next claim stops this worker, the lease hands the task on
                logger.exception("Task %s: its failure could not be recorded", db_task_result.pk)


class Command(db_worker.Command):
    help = "Run a database background worker (with heartbeat and reclaim of tasks whose worker died)"

    def handle(self, *args, **options):
        # The original handle() builds its Worker from the module's global name.
        original, db_worker.Worker = db_worker.Worker, LeasedWorker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
