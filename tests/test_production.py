"""The production setup: ``check --deploy`` with the README's production variables,
HTTPS behind the TLS proxy, one log line for a refused request, and the 429 page
of the public side."""

import io
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from netralitas.lib.logs import ClientErrorsOnOneLine

# README, "Produksi": what a production server sets (values made up, same shape).
PRODUCTION = {
    "DATABASE_URL": "postgres://netralitas:sandi@127.0.0.1:5432/netralitas",
    "SECRET_KEY": "kV3q9-Zp1r_8Lw2mX7tB4nY6cH0sD5fJ9gA3eR1uI8oP2lK7jQ4wE6zT0xN5vM-b",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "netralitas.example.go.id",
    "PUBLIC_BASE_URL": "https://netralitas.example.go.id",
    "CSRF_TRUSTED_ORIGINS": "https://netralitas.example.go.id",
    "REDIS_URL": "redis://127.0.0.1:6379/13",
    "TRUSTED_PROXY": "1",
    "BEHIND_TLS_PROXY": "1",
}
# One process: the deploy checks, then the settings they are about.
CHECK = (
    "import django; django.setup(); "
    "from django.core.management import call_command; "
    "call_command('check', '--deploy', '--fail-level', 'WARNING'); "
    "from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "s.SECURE_PROXY_SSL_HEADER == ('HTTP_X_FORWARDED_PROTO', 'https'), s.SESSION_COOKIE_SECURE, "
    "s.PASSWORD_RESET_ENABLED)"
)


def production_python(code, **variables):
    skip = ("EMAIL", "DJANGO_", "SECURE_", "DATABASE_")  # a clean production environment
    env = {key: value for key, value in os.environ.items() if not key.startswith(skip)}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="netralitas.settings", **variables)
    return subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)


def test_check_deploy_is_clean_with_the_production_variables():
    result = production_python(CHECK)
    assert result.returncode == 0, result.stderr + result.stdout
    report, shown = result.stdout.strip().rsplit("\n", 1)
    assert "System check identified no issues" in report, report
    # Behind the TLS proxy: redirect to HTTPS, HSTS for a year with subdomains, secure
    # cookies; no mail settings, so no password reset on offer.
    assert shown.split() == ["True", "31536000", "True", "True", "True", "False"]


def test_https_behind_the_proxy(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get(reverse("healthz")).status_code == 200  # the load balancer's plain-HTTP check
    secure = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.fixture
def console():
    """What the console handler of ``settings.LOGGING`` writes."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, ClientErrorsOnOneLine) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_a_refused_request_is_logged_as_one_line(client, world, console):
    client.force_login(world.auditor_a)
    assert client.get(reverse("roster:employees")).status_code == 403
    assert console.getvalue() == "Forbidden (Permission denied): /pegawai/\n"


def test_a_server_error_keeps_its_traceback(console):
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /", (), None)
    try:
        raise RuntimeError("rusak")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    record.status_code = 500
    logging.getLogger("django.request").handle(record)
    assert "Traceback" in console.getvalue() and "RuntimeError: rusak" in console.getvalue()


@pytest.mark.django_db
def test_the_public_side_gets_a_public_429_page(client, invitation):
    for number in range(60):
        client.get(reverse("pledges:sign", args=[f"tautan-tak-dikenal-{number}"]))
    url = reverse("pledges:sign", args=["tautan-tak-dikenal-x"])
    response = client.get(url)
    assert response.status_code == 429
    page = response.content.decode()
    assert "public.css" in page and "navbar" not in page  # the public layout, no staff menu
    assert f'href="{url}"' in page and "Coba lagi" in page  # a way back to the page
    assert "Terlalu banyak percobaan dari jaringan ini: tunggu 1 menit, lalu coba lagi." in page

    # At the apel the refusal is the apel's own page: its form, and how long to wait.
    apel = reverse("pledges:apel", args=[invitation.ceremony.apel_token])
    for _ in range(20):
        client.post(apel, {"nip": invitation.employee.nip, "code": "SALAH1"})
    response = client.post(apel, {"nip": invitation.employee.nip, "code": invitation.code})
    assert response.status_code == 429
    page = response.content.decode()
    assert "public.css" in page and "navbar" not in page and 'name="code"' in page
    assert "Terlalu banyak kode salah untuk NIP ini: tunggu 1 menit, lalu coba lagi." in page


@pytest.mark.django_db
def test_staff_pages_keep_the_staff_429_page(client, settings):
    settings.PASSWORD_RESET_ENABLED = True
    url = reverse("password_reset")
    responses = [client.post(url, {"email": "x"}) for _ in range(6)]
    assert responses[-1].status_code == 429
    assert "navbar" in responses[-1].content.decode() and "Coba lagi" in responses[-1].content.decode()


GC_PROBE = (
    "import gc; import netralitas.wsgi; from netralitas.lib.gc_freeze import WARM_REQUESTS;"
    "at_start = gc.get_freeze_count(); from django.test import Client; c = Client();"
    "[c.get('/healthz') for _ in range(WARM_REQUESTS - 1)]; before = gc.get_freeze_count();"
    "c.get('/verifikasi/'); print(at_start, before, gc.get_freeze_count())"
)


def test_the_wsgi_worker_keeps_its_long_lived_objects_out_of_garbage_collection():
    """What the worker loaded, and what its first requests loaded, is frozen: full
    collections at an apel's burst walk only what requests create."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "ALLOWED_HOSTS": "testserver"}
    output = subprocess.run([sys.executable, "-c", GC_PROBE], env=env, capture_output=True, text=True, check=True)
    at_start, before_warm, after_warm = map(int, output.stdout.split())
    assert at_start > 50_000  # Django and the project, loaded by importing the WSGI module
    assert before_warm <= at_start  # nothing more until the worker is warm (frozen objects may die)
    assert after_warm > before_warm + 1_000  # the first requests' lazily built caches joined them


def test_the_development_key_is_used_only_where_make_run_left_it(tmp_path):
    """Without SECRET_KEY a server where `make run` never ran does not start; a checkout
    it set up uses the key in its data folder, which `check --deploy` refuses."""
    from netralitas.lib import devkey

    code = "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SECRET_KEY", "DEBUG"))}
    env.update(DJANGO_SETTINGS_MODULE="netralitas.settings", NETRALITAS_DATA_DIR=str(tmp_path))
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    def run(code):
        return subprocess.run(
            [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
        )

    refused = run(code)
    assert refused.returncode != 0 and "SECRET_KEY is required" in refused.stderr
    path = devkey.ensure(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert run(code).stdout.strip() == path.read_text().strip()
    check = run(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy')"
    )
    assert check.returncode != 0 and "netralitas.E001" in check.stderr


# Runs one statement six times on Django's connection; prints whether PostgreSQL holds it
# prepared, and whether streaming may use server-side cursors.
PREPARED_PROBE = (
    "import django; django.setup(); "
    "from django.db import connection; "
    "[connection.cursor().execute('SELECT count(*) FROM pg_class WHERE relpages >= %s', [n]) for n in range(6)]; "
    "cursor = connection.cursor(); "
    "cursor.execute(\"SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%relpages%%'\"); "
    "print(cursor.fetchone()[0], connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'])"
)


@pytest.mark.parametrize(("pooling", "shown"), [("0", "1 False"), ("1", "0 True")])
def test_postgresql_prepares_repeated_statements_unless_behind_a_transaction_pooler(pooling, shown):
    """A statement run again and again on a connection (the signing request's seven-table
    lookup) is planned once there; behind PgBouncer in transaction mode nothing is kept on
    a server connection: no prepared statements, no server-side cursors."""
    from tests.postgres import throwaway_database

    with throwaway_database("prepared") as url:
        env = {"DATABASE_URL": url, "DATABASE_TRANSACTION_POOLING": pooling}
        result = production_python(PREPARED_PROBE, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == shown.split()
