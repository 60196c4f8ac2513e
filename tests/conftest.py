"""Shared fixtures: two agencies with every role, and the database plumbing tests need."""

import time
import uuid

import pytest
from django.db.backends.sqlite3.base import DatabaseOperations as SQLiteOperations

from netralitas.lib import dbguard
from tests import factories

_original_sqlite_flush = SQLiteOperations.sql_flush


def _sqlite_flush_lifting_guards(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """SQLite flushes with DELETE, which the immutability triggers refuse (PostgreSQL
    uses TRUNCATE, which they do not see). Lift them for the flush between
    transactional tests only, and put back the SQL the database had stored, in the
    same transaction."""
    statements = _original_sqlite_flush(
        self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
    )
    if not statements:
        return statements
    with self.connection.cursor() as cursor:
        triggers = dbguard.sqlite_all_triggers(cursor)
    drop = [f'DROP TRIGGER "{name}"' for name, _sql in triggers]
    create = [sql for _name, sql in triggers]
    return drop + statements + create


SQLiteOperations.sql_flush = _sqlite_flush_lifting_guards


class RateLimitClock:
    """django-ratelimit's clock, stopped for the test: its windows follow the clock, and
    a test that crossed a window's end would see its counters reset halfway. A test
    that is about a window's end moves it on (``advance``)."""

    def __init__(self):
        self.now = float(int(time.time()))

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's language: Django's LocaleMiddleware leaves the
    language of the last request active in the thread, so a test after an English page
    would otherwise run its commands in English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _rate_limits_start_fresh(monkeypatch):
    """Every test starts with empty rate-limit counters and a stopped rate-limit clock."""
    from django.core.cache import cache

    cache.clear()
    clock = RateLimitClock()
    monkeypatch.setattr("django_ratelimit.core.time", clock)
    yield clock
    cache.clear()


@pytest.fixture
def rate_limit_clock(_rate_limits_start_fresh):
    return _rate_limits_start_fresh


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With ``TEST_PGBOUNCER=1`` the tests reach their PostgreSQL database through a
    real pgbouncer in transaction mode (``tests/pgbouncer.py``); the database itself is
    created, migrated and dropped directly, as its owner does."""
    from tests import pgbouncer

    if not pgbouncer.wanted():
        yield
        return
    from django.db import connections

    with django_db_blocker.unblock():
        # Enough server connections for a test, its live server's threads and its real workers.
        with pgbouncer.in_front_of_the_test_database(connections, database_url(), pool_size=20):
            with django_db_blocker.block():
                yield


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server on loopback (``tests/s3.py``), for this test process."""
    from tests.s3 import S3Server

    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"
    from tests import s3

    if s3.wanted():
        # TEST_STORAGE=s3: this test's files in the bucket, under a prefix of its own.
        server = request.getfixturevalue("s3_server")
        for name, value in server.settings(f"t-{uuid.uuid4().hex}", settings.STORAGES).items():
            setattr(settings, name, value)


@pytest.fixture
def agency(db):
    from pledges.pdf.certificates import create_dev_certificate

    agency = factories.agency(name="Pemerintah Kota Bukittinggi", short_name="Pemkot Bukittinggi")
    create_dev_certificate(agency)
    return agency


@pytest.fixture
def ceremony(agency):
    return factories.ceremony(agency, title="Apel Ikrar Netralitas ASN")


@pytest.fixture
def invitation(ceremony):
    from ceremonies.models import Invitation

    unit = factories.unit(ceremony.agency, "Sekretariat Daerah")
    employee = factories.employee(
        ceremony.agency,
        unit=unit,
        nip="198001012005011001",
        name="Budi Santoso, S.E., M.Si.",
        rank="Penata Tingkat I (III/d)",
        position="Kepala Bagian Umum",
    )
    return Invitation.objects.create(ceremony=ceremony, employee=employee, unit=unit)


@pytest.fixture
def signature_data_url():
    import base64

    return "data:image/png;base64," + base64.b64encode(factories.signature_png()).decode()


@pytest.fixture
def signature(invitation, signature_data_url):
    from pledges.services import signature_create
    from pledges.signature_image import clean_signature_image

    signature, _ = signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=clean_signature_image(signature_data_url),
        method="link",
    )
    return signature


@pytest.fixture
def sign(signature_data_url):
    """Sign an invitation through the signing service; ``pdf=True`` also makes its PDF."""
    from pledges.documents import pact_document_create
    from pledges.services import signature_create
    from pledges.signature_image import clean_signature_image

    image = clean_signature_image(signature_data_url)

    def sign(invitation, *, pdf=False, now=None):
        signature, _ = signature_create(
            invitation=invitation, shown=factories.shown(invitation), image_png=image, method="link", now=now
        )
        if pdf:
            pact_document_create(signature.pk)
        return signature

    return sign


class World:
    """Two agencies, each with a unit, employees, an open ceremony and invitations,
    and every role: operator A, operator B, auditor of A, auditor of A and B, admin,
    and a signed-in user without a role. No seal certificates (they cost time and most
    tests need none): ``world.certify()`` gives both agencies one."""

    def __init__(self):
        from ceremonies.models import Invitation
        from roster.models import StaffProfile

        self.agency_a = factories.agency(name="Pemerintah Kota Bukittinggi", short_name="Pemkot Bukittinggi")
        self.agency_b = factories.agency(name="Pemerintah Kota Bandung", short_name="Pemkot Bandung")
        self.unit_a = factories.unit(self.agency_a, "Sekretariat Daerah")
        self.subunit_a = factories.unit(self.agency_a, "Bagian Umum", parent=self.unit_a)
        self.unit_b = factories.unit(self.agency_b, "Dinas Komunikasi dan Informatika")
        self.employees_a = [factories.employee(self.agency_a, unit=self.unit_a) for _ in range(3)] + [
            factories.employee(self.agency_a, unit=self.subunit_a)
        ]
        self.employees_b = [factories.employee(self.agency_b, unit=self.unit_b) for _ in range(2)]
        self.ceremony_a = factories.ceremony(self.agency_a, title="Apel Netralitas Bukittinggi")
        self.ceremony_b = factories.ceremony(self.agency_b, title="Apel Netralitas Bandung")
        self.invitations_a = [
            Invitation.objects.create(ceremony=self.ceremony_a, employee=e, unit=e.unit) for e in self.employees_a
        ]
        self.invitations_b = [
            Invitation.objects.create(ceremony=self.ceremony_b, employee=e, unit=e.unit) for e in self.employees_b
        ]
        self.operator_a = factories.user("operator_a", role=StaffProfile.Role.OPERATOR, agency=self.agency_a)
        self.operator_b = factories.user("operator_b", role=StaffProfile.Role.OPERATOR, agency=self.agency_b)
        self.auditor_a = factories.user("auditor_a", role=StaffProfile.Role.AUDITOR, supervised=[self.agency_a])
        self.auditor_ab = factories.user(
            "auditor_ab", role=StaffProfile.Role.AUDITOR, supervised=[self.agency_a, self.agency_b]
        )
        self.admin = factories.user("admin_x", superuser=True)
        self.nobody = factories.user("nobody")

    def certify(self):
        """Development seal certificates for both agencies: they may open signing and seal."""
        from pledges.pdf.certificates import create_dev_certificate

        for agency in (self.agency_a, self.agency_b):
            create_dev_certificate(agency)
        return self


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def run_jobs():
    """Run every job that is waiting, as the worker would (the test settings' task
    backend only records tasks); returns the jobs, newest first."""
    from jobs.models import Job
    from jobs.tasks import execute

    def run():
        ran = []
        for job in Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at"):
            ran.append(execute(job.pk))
        return ran[::-1]

    return run


@pytest.fixture
def started_job(client, run_jobs):
    """POST ``url`` (as the logged-in client) to start a job, run it, check it ended
    well, and return ``(job, bytes of its file as downloaded)``."""
    from django.urls import reverse

    def start(url, data=None):
        response = client.post(url, data or {})
        assert response.status_code == 302, (url, response.status_code)
        (job,) = run_jobs()
        assert response["Location"] == job.get_absolute_url()
        assert job.status == "done", job.message
        download = client.get(reverse("jobs:download", args=[job.pk]))
        assert download.status_code == 200
        assert download["Cache-Control"] == "no-store"
        return job, b"".join(download.streaming_content)

    return start


def database_url():
    """The URL of the test database, for a process that must use it (a real worker)."""
    from django.db import connection

    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    host = config.get("HOST") or "127.0.0.1"
    port = config.get("PORT") or 5432
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return f"postgres://{config['USER']}{password}@{host}:{port}/{config['NAME']}"


class Workers:
    """Real ``manage.py db_worker`` processes on the test database, as production runs
    them (production settings, the database task backend), started and killed by a test."""

    def __init__(self, media_root, lease, keys_dir=None):
        self.media_root = media_root
        self.keys_dir = keys_dir
        self.lease = lease
        self.processes = []

    storage_env = {}

    def start(self, worker_id, *, max_attempts=3):
        import os
        import subprocess
        import sys
        from pathlib import Path

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DATABASE_URL": database_url(),
            "SECRET_KEY": "tests-only-not-secret",
            "MEDIA_ROOT": str(self.media_root),
            "SIGNING_KEYS_DIR": str(self.keys_dir or Path(self.media_root).parent / "keys"),
            "TASKS_LEASE_SECONDS": str(self.lease),
            "TASKS_RECLAIM_EVERY": "1",
            "TASKS_MAX_ATTEMPTS": str(max_attempts),
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
            "LOG_LEVEL": "WARNING",
            **self.storage_env,
        }
        command = [sys.executable, "manage.py", "db_worker", "--queue-name", "default,jobs", "--interval", "0.2"]
        command += ["--no-startup-delay", "--no-reload", "--worker-id", worker_id]
        process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1], env=env)
        self.processes.append(process)
        return process

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def workers(settings):
    """Start real workers with ``workers.start(id)``; the test process enqueues to the
    database backend they read. Killed at the end of the test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "jobs"]}}
    pool = Workers(settings.MEDIA_ROOT, lease=3, keys_dir=settings.SIGNING_KEYS_DIR)
    from tests import s3

    if s3.wanted():
        pool.storage_env = s3.S3Server.environment(settings)
    yield pool
    pool.stop_all()


def wait_for(condition, timeout=60, interval=0.1):
    """Wait until ``condition()`` is true (returns its value), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (``tests/smtp.py``), the app's mail settings
    pointed at it; yields its inbox."""
    from tests import smtp

    inbox, controller = smtp.start(settings)
    yield inbox
    controller.stop()


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory):
    """The local PKI with its TSA, OCSP and CRLs over HTTP (tests/pki.py), one per session."""
    from tests import pki

    started = pki.start(tmp_path_factory.mktemp("pki"))
    yield started
    started.close()


@pytest.fixture(scope="session")
def bsre_standin(tmp_path_factory):
    """The stand-in for BSrE's Esign Client Service (tests/bsre.py), its own process on
    loopback, one per session (per xdist worker). Its settings are shared: a test that
    configures a fault calls ``reset_config()`` when done."""
    from tests import bsre

    started = bsre.start(tmp_path_factory.mktemp("bsre"))
    yield started
    started.close()


@pytest.fixture
def tsa(test_pki, settings):
    """Seals are timestamped by the local PKI's TSA, with its credentials."""
    from tests import pki

    settings.TSA_URL = test_pki.tsa_url
    settings.TSA_USERNAME = pki.TSA_USER
    settings.TSA_PASSWORD = pki.TSA_PASSWORD
    settings.TSA_TIMEOUT = 5
    return test_pki


@pytest.fixture
def pki_agency(agency, test_pki, monkeypatch):
    """The agency seals with a certificate of the local PKI, as production would with
    BSrE's: a PKCS#12 path on the agency and its password in a named variable."""
    from tests import pki

    agency.certificate_path = str(test_pki.agency_p12)
    agency.certificate_password_env = "SEGEL_PKI_UJI"
    agency.save()
    monkeypatch.setenv("SEGEL_PKI_UJI", pki.P12_PASSWORD)
    return agency
