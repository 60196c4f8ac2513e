import pytest

from tests.webhooks.receiver import Receiver
from webhooks.models import Endpoint
from webhooks.outbox import OUTBOX

ALL_EVENTS = ["signature.created", "document.sealed", "ceremony.opened", "ceremony.closed", "job.finished"]


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_subscriptions():
    """Each test reads the endpoints it made (rolled-back rows send no signal)."""
    OUTBOX.forget()
    yield
    OUTBOX.forget()


@pytest.fixture
def endpoint_for(receiver):
    """An endpoint of ``agency`` at ``path`` on the receiver, which checks its secret."""

    def make(agency, path="/hook", events=ALL_EVENTS, **config):
        endpoint = Endpoint.objects.create(agency=agency, url=receiver.url(path), events=list(events))
        receiver.configure(path, secret=endpoint.secret, **config)
        return endpoint

    return make


@pytest.fixture(params=[True, False], ids=["shortcuts", "public-path"])
def database_tasks(request, settings):
    """The database task backend, with the one-statement shortcut (PostgreSQL) and without."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "jobs"]}}
    settings.SHORTCUTS_AROUND_LIBRARIES = request.param
    return request.param
