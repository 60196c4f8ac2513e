"""A private ``pgbouncer`` in transaction mode on a free loopback port, in front of
one database of the test PostgreSQL server (``tests/postgres.py``).

Stricter than a production pooler on purpose: one server connection for every
client, and ``DISCARD ALL`` after *each* transaction (``server_reset_query_always``),
so whatever a client leaves on a server connection — a cursor held open, a
prepared statement, a ``SET``, an advisory lock, a ``LISTEN``, a temporary table —
is gone before its next transaction. Code that relies on any of them fails here
at once, instead of only when two clients happen to swap server connections.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.ports import free_port


def wanted():
    """``TEST_PGBOUNCER=1`` (``make test``'s PostgreSQL pass): every test talks to its
    database through a pgbouncer in transaction mode, with the app's settings for it
    (``DATABASE_TRANSACTION_POOLING=1``, which ``make test`` sets too)."""
    return os.environ.get("TEST_PGBOUNCER", "") == "1"


@contextlib.contextmanager
def in_front_of_the_test_database(connections, database_url, pool_size):
    """Put a pgbouncer in front of the test database for what runs inside: every
    connection's settings point at it, and back at the database afterwards (which is
    then dropped directly, as its owner does)."""
    bouncer = PgBouncer(database_url, pool_size=pool_size).start()
    originals = {}
    try:
        for connection in connections.all():
            originals[connection.alias] = (connection.settings_dict["HOST"], connection.settings_dict["PORT"])
            connection.close()
            connection.settings_dict.update(HOST="127.0.0.1", PORT=bouncer.port)
        yield bouncer
    finally:
        for connection in connections.all():
            connection.close()
            if connection.alias in originals:
                connection.settings_dict["HOST"], connection.settings_dict["PORT"] = originals[connection.alias]
        bouncer.stop()


@contextlib.contextmanager
def straight_to_the_database(connection):
    """What an operator does for ``backup`` and ``restore``, which refuse to run through
    a transaction pooler: the owner's URL of PostgreSQL itself, without the pooler's
    setting. Between tests only (no transaction open); a no-op when the suite does not
    run through pgbouncer."""
    from django.test import override_settings

    if not wanted() or connection.vendor != "postgresql":
        yield
        return
    bouncer_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = int(urlsplit(os.environ["DATABASE_URL"]).port or 5432)
    try:
        with override_settings(DATABASE_TRANSACTION_POOLING=False):
            yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = bouncer_port


class PgBouncer:
    def __init__(self, database_url, *, pool_size=1):
        assert shutil.which("pgbouncer"), "pgbouncer is missing: make sysdeps-test installs it"
        self.target = urlsplit(database_url)
        # Its own folder in /tmp: pytest's are closed to the user pgbouncer runs as.
        self.folder = Path(tempfile.mkdtemp(prefix="netralitas-pgbouncer-"))
        self.pool_size = pool_size
        self.port = free_port()
        self.name = self.target.path.lstrip("/")
        self.url = urlunsplit(self.target._replace(netloc=f"{self.target.username}@127.0.0.1:{self.port}"))
        self.process = None

    def _write_config(self):
        user = self.target.username
        (self.folder / "userlist.txt").write_text(f'"{user}" ""\n')
        server = f"host={self.target.hostname} port={self.target.port or 5432} dbname={self.name} user={user}"
        ini = self.folder / "pgbouncer.ini"
        ini.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"{self.name} = {server}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {self.folder / 'userlist.txt'}",
                    "pool_mode = transaction",
                    f"default_pool_size = {self.pool_size}",
                    "min_pool_size = 0",
                    "reserve_pool_size = 0",
                    "max_client_conn = 200",
                    "server_reset_query = DISCARD ALL",
                    "server_reset_query_always = 1",
                    # A client that waits this long for the one server connection fails
                    # instead of hanging the test.
                    "query_wait_timeout = 60",
                    "ignore_startup_parameters = extra_float_digits,options",
                    f"logfile = {self.folder / 'pgbouncer.log'}",
                    f"pidfile = {self.folder / 'pgbouncer.pid'}",
                    "",
                ]
            )
        )
        return ini

    def start(self):
        """Start and wait until a query goes through."""
        ini = self._write_config()
        command = ["pgbouncer", str(ini)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "postgres"]  # pgbouncer refuses to run as root
            shutil.chown(self.folder, "postgres")
            for path in self.folder.iterdir():
                shutil.chown(path, "postgres")
        # Its log goes to its logfile; a pipe nobody reads would fill and stop it mid-suite.
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2) as probe:
                    probe.execute("SELECT 1")
                return self
            except psycopg.OperationalError:
                if self.process.poll() is not None:
                    raise AssertionError(f"pgbouncer exited: {self.log()[-2000:]}") from None
                assert time.monotonic() < deadline, "pgbouncer did not start"
                time.sleep(0.1)

    def log(self):
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)
