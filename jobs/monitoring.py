"""The background workers' part of the monitoring endpoint (``netralitas.monitoring``)."""

import datetime

from django.conf import settings
from django.utils import timezone

from jobs.models import WorkerHeartbeat


def check_workers():
    """Up while a ``db_worker`` has beaten within the lease (``TASKS_LEASE_SECONDS``)."""
    now = timezone.now()
    beats = WorkerHeartbeat.objects.filter(seen_at__gte=now - datetime.timedelta(seconds=settings.TASKS_LEASE_SECONDS))
    latest = beats.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if latest is None:
        raise LookupError("no worker beat")
    return {"alive": beats.count(), "last_beat_seconds": round((now - latest).total_seconds(), 1)}
