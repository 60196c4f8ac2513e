"""Throw-away PostgreSQL databases for the tests that need one whatever the suite
runs on (the app role's privileges) or a second database beside the test one
(migrations on a copy of the project, restoring a backup).

The server is the one ``DATABASE_URL`` names when it is PostgreSQL, otherwise
``TEST_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432/netralitas``).
Names derive from that database's name, so parallel runs on one server never meet:
``<name>_<purpose>[_<xdist worker>]``.
"""

import contextlib
import os
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/netralitas"


def server_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER)


def _with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def throwaway_name(purpose):
    base = urlsplit(server_url()).path.lstrip("/") or "netralitas"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return "_".join(part for part in (base, purpose, worker) if part)


@contextlib.contextmanager
def throwaway_database(purpose):
    """Create an empty database, yield its URL, drop it afterwards."""
    name = throwaway_name(purpose)
    admin_url = _with_database(server_url(), "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server_url(), name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
