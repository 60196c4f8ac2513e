"""The worker's task that delivers webhooks (``manage.py db_worker``, queue
``default``, above the signed PDFs in priority: it mostly waits on the network), and
queueing it: after an event commits (``webhooks.outbox``) and, by each run, for the
earliest delivery still to try."""

import datetime

from django.db.models import Q
from django_tasks import task

from webhooks import delivery

PRIORITY = 10


@task(priority=PRIORITY)
def deliver():
    totals = delivery.run()
    moment = delivery.next_due()
    if moment is not None and not queued_by(moment):
        schedule(moment)
    return totals


def schedule(run_after):
    """Queue a run at ``run_after`` (at once on a backend without deferral)."""
    if deliver.get_backend().supports_defer:
        return deliver.using(run_after=run_after).enqueue()
    return deliver.enqueue()


def queued_by(moment):
    """Whether a run is queued to start no later than ``moment``."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(deliver.get_backend(), DatabaseBackend):
        return False
    never = datetime.datetime(9000, 1, 1, tzinfo=datetime.UTC)  # django-tasks-db's "no delay" is the largest date
    return (
        DBTaskResult.objects.filter(task_path=deliver.module_path, status="READY")
        .filter(Q(run_after__lte=moment) | Q(run_after__gte=never))
        .exists()
    )
