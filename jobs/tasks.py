"""The one task every job runs in (queue ``jobs``, below the signed PDFs in priority:
a worker that serves both queues always renders a waiting pact first)."""

from django_tasks import task

from jobs.engine import execute

JOB_QUEUE = "jobs"
JOB_PRIORITY = -10


@task(queue_name=JOB_QUEUE, priority=JOB_PRIORITY)
def run_job(job_id):
    job = execute(job_id)
    return job.status if job else None
