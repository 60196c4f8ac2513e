"""Starting a job: one way for every kind.

A view (or a management command) calls :func:`start_for` / :func:`start_job` with the
job's kind (a :class:`jobs.kinds.JobKind`, declared by the app that does the work),
which saves the :class:`~jobs.models.Job` and queues ``jobs.tasks.run_job`` once the
transaction commits; the worker runs it (``jobs.tasks.execute``).
"""

from django.db import transaction

from jobs.kinds import JobKind
from jobs.models import Job
from jobs.tasks import run_job
from netralitas.lib.http import client_ip
from netralitas.lib.text import message_text


def start_job(*, kind, title, user=None, ip_address=None, agency=None, params=None, enqueue=True):
    """Save a job of ``kind`` (a :class:`JobKind`) and queue it; returns the job.
    ``user`` is ``None`` for the command line."""
    if not isinstance(kind, JobKind):
        raise TypeError(f"kind must be a jobs.kinds.JobKind declared with @kind, not {kind!r}")
    job = Job.objects.create(
        kind=kind.name,
        title=message_text(title)[:300],  # no control characters, whatever the file name
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
        result = run_job.enqueue(str(job.pk))
        job.task_id = str(result.id)
        Job.objects.filter(pk=job.pk).update(task_id=job.task_id)

    transaction.on_commit(send)
