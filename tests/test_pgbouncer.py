"""Behind PgBouncer in transaction mode (``DATABASE_TRANSACTION_POOLING=1``) the app
does nothing such a pooler breaks: a real ``pgbouncer`` (``tests/pgbouncer.py``:
one server connection for all its clients, every session state discarded after
each transaction) in front of a throw-away PostgreSQL database, whatever database
the suite itself runs on. The same pooler breaks the app's defaults — server-side
cursors and prepared statements — so the first test would fail if any were used."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.pgbouncer import PgBouncer
from tests.postgres import throwaway_database

ROOT = Path(__file__).resolve().parents[1]


def environment(url, folder, *, pooling="1"):
    """Production settings (plus the tests' job kinds) on ``url``, files in ``folder``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.worker_settings",
        DATABASE_URL=url,
        DATABASE_TRANSACTION_POOLING=pooling,
        SECRET_KEY="tests-only-not-secret",
        NETRALITAS_DATA_DIR=str(folder / "data"),
        MEDIA_ROOT=str(folder / "media"),
        SIGNING_KEYS_DIR=str(folder / "keys"),
        ALLOWED_HOSTS="testserver",
        SECURE_COOKIES="0",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


def run(command, env, timeout=120):
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def pooler(tmp_path_factory):
    """A migrated throw-away database (migrations go straight to PostgreSQL, as the
    owner runs them) and a pgbouncer in front of it. The server's sessions start in
    Jakarta's zone, as on many Indonesian servers: Django sets UTC on its connection,
    which the pooler must carry from one server connection to the next."""
    with throwaway_database("pgbouncer") as url:
        with psycopg.connect(url, autocommit=True) as owner:
            owner.execute(f"ALTER DATABASE \"{urlsplit(url).path[1:]}\" SET timezone TO 'Asia/Jakarta'")
        migrated = run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            environment(url, tmp_path_factory.mktemp("migrate"), pooling="0"),
            timeout=300,
        )
        assert migrated.returncode == 0, migrated.stderr
        bouncer = PgBouncer(url).start()
        try:
            yield bouncer
        finally:
            bouncer.stop()


def test_signing_pdfs_zip_exports_import_and_check_storage_through_pgbouncer(pooler, tmp_path):
    env = environment(pooler.url, tmp_path)
    worker_command = [sys.executable, "manage.py", "db_worker", "--queue-name", "default,jobs", "--interval", "0.2"]
    worker_command += ["--no-startup-delay", "--no-reload", "--worker-id", "pooled"]
    with open(tmp_path / "worker.log", "w") as worker_log:
        worker = subprocess.Popen(worker_command, cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT)
        try:
            scenario = run([sys.executable, "-m", "tests.pooling_scenario"], env, timeout=600)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    logged = (tmp_path / "worker.log").read_text()
    assert scenario.returncode == 0, f"{scenario.stderr}\n--- worker:\n{logged}\n--- pgbouncer:\n{pooler.log()[-4000:]}"
    seen = json.loads(scenario.stdout.strip().splitlines()[-1])
    assert seen == {
        "zip_manifest": 4100,  # every signature listed, in three chunks of rows
        "zip_pdfs": 1,  # the one signed through the POST, its PDF made by the worker
        "recap": 4100,
        "export": 4100,
        "employees": 4400,  # 300 more through the roster import's COPY
        "check_storage": "Penyimpanan utuh.",
        "time_zone": "UTC",  # the database's own is Asia/Jakarta
    }
    assert "Traceback" not in logged, logged


# Through the same pgbouncer: a server-side cursor read over several fetches, and a
# statement run eight times (psycopg prepares it from the fifth). Prints what broke.
PROBE = """
import django
django.setup()
from django.contrib.auth.models import Permission
from django.db import connection
broken = []
for name, work in (
    ("cursor", lambda: list(Permission.objects.iterator(chunk_size=10))),
    ("prepared", lambda: [Permission.objects.filter(pk=n).exists() for n in range(8)]),
):
    try:
        work()
    except Exception as error:
        broken.append(f"{name}: {error}")
        connection.close()
print(broken)
"""


@pytest.mark.parametrize("pooling", ["0", "1"])
def test_the_pooler_breaks_cursors_and_prepared_statements_unless_pooling_is_declared(pooler, tmp_path, pooling):
    """The proof that the test above would see them: with the defaults (server-side
    cursors, prepared statements) the pooler breaks both; with
    ``DATABASE_TRANSACTION_POOLING=1`` neither is used."""
    probe = run([sys.executable, "-c", PROBE], environment(pooler.url, tmp_path, pooling=pooling))
    assert probe.returncode == 0, probe.stderr
    broken = ast.literal_eval(probe.stdout.strip().splitlines()[-1])
    if pooling == "1":
        assert broken == []
    else:
        cursor, prepared = broken
        assert cursor.startswith("cursor: ") and '"_django_curs_' in cursor and "does not exist" in cursor
        assert prepared.startswith("prepared: ") and "prepared statement" in prepared and "does not exist" in prepared


def test_backup_refuses_to_go_through_the_pooler(pooler, tmp_path):
    """pg_dump and pg_restore set options on their session, which would stay on a
    server connection the app gets next: they must talk to PostgreSQL itself."""
    target = tmp_path / "cadangan.tar"
    result = run([sys.executable, "manage.py", "backup", str(target)], environment(pooler.url, tmp_path))
    assert result.returncode == 1
    assert "pg_dump perlu sambungan langsung ke PostgreSQL, bukan lewat PgBouncer" in result.stderr
    assert "DATABASE_TRANSACTION_POOLING=0" in result.stderr
    assert list(tmp_path.glob("cadangan.tar*")) == []
