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


# What a job or a task may raise that the database cannot store as it is: a lone
# surrogate (neither SQLite nor PostgreSQL encode it) and a NUL (PostgreSQL's text
# refuses it) — in the job's own message and in the task's traceback alike.
UNSAVABLE = "Kolom yang ada: N\x00I\x00P, \udcff\x1b[31m"


def unsavable_error_runner(job, progress):
    from jobs.engine import JobError

    raise JobError(UNSAVABLE)


def unsavable_crash_runner(job, progress):
    raise ValueError(UNSAVABLE)


@task()
def unsavable_failure():
    raise ValueError(UNSAVABLE)
