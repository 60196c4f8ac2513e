"""Settings of the real ``db_worker`` processes tests start: production's, plus the
tests' own job kinds (``tests.jobs``, an app like any other)."""

from netralitas.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobs.apps.TestJobsConfig"]  # noqa: F405
