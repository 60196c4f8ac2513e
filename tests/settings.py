"""Settings for the test suite: production settings plus what makes tests fast and
self-contained. DATABASE_URL still chooses SQLite (default) or PostgreSQL."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")

from netralitas.settings import *  # noqa: E402,F403

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
