"""A worker killed with SIGKILL mid-task: its task is taken back by another worker
(heartbeat and lease, ``jobs.worker``) — retried, or failed with a clear message
once the attempts run out; never RUNNING forever. Real ``db_worker`` processes."""

import datetime
import signal

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.engine import start_job
from jobs.models import Job, WorkerHeartbeat
from jobs.worker import reclaim_stale_tasks
from tests.conftest import wait_for
from tests.jobs.helpers import wait_for_file, wait_for_file_job

pytestmark = pytest.mark.django_db(transaction=True)


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_a_killed_workers_job_is_taken_back_and_finished(workers, tmp_path, world):
    release = tmp_path / "release"
    first = workers.start("worker-killed")
    job = start_job(
        kind=wait_for_file_job,
        title="Menunggu berkas",
        user=world.operator_a,
        agency=world.agency_a,
        params={"path": str(release)},
    )
    wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, stage="Menunggu").exists())
    kill(first)
    task = DBTaskResult.objects.get(pk=Job.objects.get(pk=job.pk).task_id)
    assert task.status == "RUNNING" and task.worker_ids == ["worker-killed"]

    workers.start("worker-alive")
    # Within the lease (3 s here) and a reclaim round, the job is queued again, and says why.
    requeued = wait_for(lambda: Job.objects.filter(pk=job.pk, message__contains="diulang").first(), timeout=30)
    assert "percobaan 2 dari 3" in requeued.message
    release.write_text("ok")
    done = wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.DONE).first(), timeout=30)
    assert done.attempts == 2 and done.result["waited"] is True
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.worker_ids == ["worker-killed", "worker-alive"]
    # The dead worker's heartbeat is cleared; the live one's is fresh.
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"worker-alive"}


def test_a_task_out_of_attempts_fails_with_a_clear_message(workers, tmp_path):
    """Any task of the queue (a signed PDF's as much as a job's): here a plain one."""
    first = workers.start("worker-one", max_attempts=1)
    result = wait_for_file.enqueue(str(tmp_path / "never"))
    wait_for(lambda: DBTaskResult.objects.filter(pk=result.id, status="RUNNING").exists())
    kill(first)
    workers.start("worker-two", max_attempts=1)
    failed = wait_for(lambda: DBTaskResult.objects.filter(pk=result.id, status="FAILED").first(), timeout=30)
    assert failed.exception_class_path == "jobs.worker.WorkerLost"
    assert "worker worker-one stopped beating" in failed.traceback
    assert failed.finished_at is not None


def make_task(worker_ids, started_seconds_ago, status="RUNNING"):
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="jobs.tasks.run_job",
        backend_name="default",
        queue_name="jobs",
        run_after=timezone.now(),
        status=status,
        started_at=timezone.now() - datetime.timedelta(seconds=started_seconds_ago),
        worker_ids=worker_ids,
    )


def test_reclaim_spares_live_and_young_claims_and_fails_a_job_out_of_attempts(settings, world):
    settings.TASKS_LEASE_SECONDS = 60
    settings.TASKS_MAX_ATTEMPTS = 2
    WorkerHeartbeat.objects.create(worker_id="alive", seen_at=timezone.now())
    WorkerHeartbeat.objects.create(worker_id="silent", seen_at=timezone.now() - datetime.timedelta(minutes=5))
    busy = make_task(["alive"], 600)  # a long task of a live worker
    young = make_task(["new"], 5)  # claimed a moment ago: its worker's first beat may be on its way
    dead = make_task(["silent"], 600)
    exhausted = make_task(["silent", "silent"], 600)
    job = Job.objects.create(kind="recap_pdf", title="Rekap", user=world.auditor_a, status=Job.Status.RUNNING)
    Job.objects.filter(pk=job.pk).update(task_id=str(exhausted.pk))

    assert reclaim_stale_tasks() == (1, 1)
    statuses = {task.pk: task.status for task in DBTaskResult.objects.all()}
    assert statuses == {busy.pk: "RUNNING", young.pk: "RUNNING", dead.pk: "READY", exhausted.pk: "FAILED"}
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert "berhenti di tengah jalan 2 kali" in job.message
    assert not WorkerHeartbeat.objects.filter(worker_id="silent").exists()
    assert reclaim_stale_tasks() == (0, 0)  # nothing more to take back
