"""A task and a job runner that wait for a file to appear: they hold a real worker
busy for as long as a test needs, so that the test can kill it mid-task."""

import time
from pathlib import Path

from django_tasks import task

from jobs.engine import Outcome


def _wait(path, timeout=60):
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.05)


@task()
def wait_for_file(path):
    _wait(path)
    return "ok"


def wait_for_file_runner(job, progress):
    progress.stage("Menunggu", total=2)
    progress.step()
    _wait(job.params["path"])
    progress.step()
    return Outcome(result={"waited": True})
