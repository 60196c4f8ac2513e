"""``manage.py db_worker``: django-tasks-db's worker, with a heartbeat and the
reclaim of tasks whose worker died (``jobs.worker``). Same options as the original;
``jobs`` is listed before ``django_tasks_db`` in ``INSTALLED_APPS`` so this one wins."""

from django_tasks_db.management.commands import db_worker

from jobs.worker import Heartbeat


class LeasedWorker(db_worker.Worker):
    """The original worker, beating (and reclaiming) from a thread while it runs."""

    def run(self):
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.start()
        try:
            return super().run()
        finally:
            heartbeat.stop()


class Command(db_worker.Command):
    help = "Run a database background worker (with heartbeat and reclaim of tasks whose worker died)"

    def handle(self, *args, **options):
        # The original handle() builds its Worker from the module's global name.
        original, db_worker.Worker = db_worker.Worker, LeasedWorker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
