"""The tests' own tasks and job kinds (installed by ``tests.jobs.apps`` in the test
process and in the real workers tests start): a task and a job that wait for a file to
appear — they hold a real worker busy for as long as a test needs, so that the test can
kill it mid-task — and jobs that fail in every way one can."""

import time
from pathlib import Path

from django_tasks import task

from jobs.kinds import kind
from jobs.work import JobError, Outcome


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


@kind("test_wait_for_file", "Menunggu berkas (uji)")
def wait_for_file_job(job, progress):
    progress.stage("Menunggu", total=2)
    progress.step()
    _wait(job.params["path"])
    progress.step()
    return Outcome(result={"waited": True})


# What a job or a task may raise that the database cannot store as it is: a lone
# surrogate (neither SQLite nor PostgreSQL encode it) and a NUL (PostgreSQL's text
# refuses it) — in the job's own message and in the task's traceback alike.
UNSAVABLE = "Kolom yang ada: N\x00I\x00P, \udcff\x1b[31m"


@kind("test_unsavable_error", "Galat yang tak dapat disimpan (uji)")
def unsavable_error(job, progress):
    raise JobError(UNSAVABLE)


@kind("test_unsavable_crash", "Galat tak terduga yang tak dapat disimpan (uji)")
def unsavable_crash(job, progress):
    raise ValueError(UNSAVABLE)


@kind("test_refused", "Pekerjaan yang ditolak (uji)")
def refused(job, progress):
    raise JobError("Berkas ini tidak dapat dipakai.")


@kind("test_broken", "Pekerjaan yang rusak (uji)")
def broken(job, progress):
    raise RuntimeError("a bug")


@task()
def unsavable_failure():
    raise ValueError(UNSAVABLE)
