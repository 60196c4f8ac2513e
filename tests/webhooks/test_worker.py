"""The whole way, with real ``db_worker`` processes: a signature committed by the
signing service reaches the receiver through the worker — queued by the commit,
never sent in the request — and a finished job is announced the same way."""

import pytest

from jobs.engine import start_job
from jobs.models import Job
from jobs.tasks import execute
from tests.jobs.helpers import refused, wait_for_file_job

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_signature_reaches_the_receiver_through_the_worker(world, sign, receiver, endpoint_for, workers):
    endpoint_for(world.agency_a)
    signature = sign(world.invitations_a[0])
    # Nothing was sent by the signing itself: the worker is not running yet.
    assert receiver.received() == []
    workers.start("webhook-worker")
    (item,) = receiver.wait_for(lambda items: len(items) >= 1, timeout=60)
    assert item["valid"] and item["status"] == 200
    assert item["body"]["type"] == "signature.created" and item["body"]["data"]["signature"] == signature.pk
    # Later events get a fresh run (the first one ended with nothing left to do).
    sign(world.invitations_a[1])
    items = receiver.wait_for(lambda items: len(items) >= 2, timeout=60)
    assert len({item["id"] for item in items}) == 2


def test_a_finished_and_a_failed_job_are_announced(world, receiver, endpoint_for, tmp_path, settings):
    endpoint_for(world.agency_a, events=["job.finished"])
    release = tmp_path / "release"
    release.write_text("ok")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "jobs"]}}
    done = start_job(kind=wait_for_file_job, title="Uji", agency=world.agency_a, params={"path": str(release)})
    failed = start_job(kind=refused, title="Uji", agency=world.agency_a)
    execute(done.pk)
    execute(failed.pk, reraise=False)
    assert Job.objects.get(pk=done.pk).status == Job.Status.DONE
    from webhooks import delivery

    delivery.run(budget=10)
    bodies = sorted((item["body"]["data"] for item in receiver.received()), key=lambda data: data["status"])
    assert [(data["kind"], data["status"]) for data in bodies] == [
        ("test_wait_for_file", "done"),
        ("test_refused", "failed"),
    ]
    assert all(str(done.pk) not in str(data) for data in bodies)
