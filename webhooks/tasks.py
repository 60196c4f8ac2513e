"""The worker's task that delivers webhooks (``manage.py db_worker``, queue
``default``, above the signed PDFs in priority: it mostly waits on the network)."""

from django_tasks import task

from webhooks import delivery

PRIORITY = 10


@task(priority=PRIORITY)
def deliver():
    return delivery.run()
