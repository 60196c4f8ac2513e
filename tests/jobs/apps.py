from django.apps import AppConfig


class TestJobsConfig(AppConfig):
    """The tests' own job kinds, declared as any app declares its kinds (jobs.kinds):
    installed in the test process and in the real workers tests start."""

    name = "tests.jobs"
    label = "tests_jobs"

    def ready(self):
        from tests.jobs import helpers  # noqa: F401 — declares the kinds
