"""Settings for the test suite: production settings plus what makes tests fast and
self-contained. DATABASE_URL still chooses SQLite (default) or PostgreSQL."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")

from netralitas.settings import *  # noqa: E402,F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobs.apps.TestJobsConfig"]  # noqa: F405 — the tests' own job kinds

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Serve static files from the source folders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Tasks are recorded, not run; tests that need the PDF run the task or the
# renderer explicitly (or switch to the ImmediateBackend).
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "jobs"]}}
# Who subscribes to which webhooks: read again only when an endpoint is saved here (and by
# tests/webhooks/conftest.py), never because a slow test crossed the 10 s — query counts stay exact.
WEBHOOK_SUBSCRIPTIONS_SECONDS = 10**6

if DATABASES["default"]["ENGINE"] == "netralitas.lib.sqlite":  # noqa: F405
    # A file, not Django's shared-cache in-memory database: shared cache locks whole
    # tables (SQLITE_LOCKED, no busy wait), which is not how the app runs on SQLite.
    import tempfile

    # One file per test process, so that two runs on one machine never share it.
    test_db = Path(tempfile.gettempdir()) / f"netralitas-test-{os.getpid()}.sqlite3"  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(test_db)}  # noqa: F405
