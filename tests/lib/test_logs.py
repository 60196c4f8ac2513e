"""No personal link token, apel token, job id or verification code reaches a log in
full: a real gunicorn, started as the README's production section starts it (with
its access log on), and the development server that ``make run`` starts, are taken
through a signing run — the personal link, the signature, a mistyped link, the apel
page, the verification page, a job page — and their whole output is read."""

import io
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from jobs.models import Job
from pledges.models import Signature
from tests import factories
from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
# README, "Produksi" — plus the access log an operator turns on.
PRODUCTION_COMMAND = [GUNICORN, "-c", "gunicorn.conf.py", "netralitas.wsgi", "--workers", "1", "--timeout", "120"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A data folder with the static files collected, as a production deploy has it."""
    folder = tmp_path_factory.mktemp("logs")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "netralitas.settings", "NETRALITAS_DATA_DIR": str(folder)}
    env.setdefault("SECRET_KEY", "tests-only-not-secret")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


def server_env(data_dir, port):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="netralitas.settings",
        DATABASE_URL=database_url(),
        SECRET_KEY=settings.SECRET_KEY,  # the test's sessions are valid there
        DEBUG="0",
        NETRALITAS_DATA_DIR=str(data_dir),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        SIGNING_KEYS_DIR=str(settings.SIGNING_KEYS_DIR),
        ALLOWED_HOSTS="127.0.0.1",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        SECURE_COOKIES="0",
        TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
        LOG_LEVEL="INFO",
    )
    return env


def start(command, env, log):
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    port = env["PUBLIC_BASE_URL"].rsplit(":", 1)[1]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the server did not start: {Path(log.name).read_text()[-3000:]}")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Browser:
    """Plain HTTP requests with a cookie header; redirects are answers, not followed."""

    def __init__(self, base, cookies=""):
        self.base, self.cookies = base, cookies

    def request(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Cookie": self.cookies, **(headers or {})}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def mistyped(secret):
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


def signing_run(base, world, signature_data_url):
    """What a signer, a mistyping colleague, a verifier and an operator do; returns the
    secrets the run put into URLs."""
    invitation, other = world.invitations_a[0], world.invitations_a[1]
    csrf = secrets.token_hex(16)
    signer = Browser(base, f"csrftoken={csrf}")
    assert signer.request(f"/t/{invitation.token}/") == 200
    posted = signer.request(
        f"/t/{invitation.token}/",
        {
            "csrfmiddlewaretoken": csrf,
            "agree": "on",
            "signature": signature_data_url,
            **factories.shown_fields(invitation),
        },
        headers={"Referer": f"{base}/t/{invitation.token}/"},
    )
    assert posted == 302
    assert signer.request(f"/t/{invitation.token}/", headers={"Referer": f"{base}/t/{invitation.token}/"}) == 200
    assert signer.request(f"/t/{invitation.token}/pdf") == 200
    assert signer.request(f"/t/{mistyped(other.token)}/") == 404
    assert signer.request(f"/t/{other.token[:12]}/") == 404  # cut short: not even a link's shape

    apel_token = world.ceremony_a.apel_token
    assert signer.request(f"/apel/{apel_token}/") == 200
    wrong = {"csrfmiddlewaretoken": csrf, "nip": other.employee.nip, "code": "ZZZZZZ"}
    assert signer.request(f"/apel/{apel_token}/", wrong) == 200
    assert signer.request(f"/apel/{mistyped(apel_token)}/") == 404

    code = Signature.objects.get(invitation=invitation).verification_code
    assert signer.request(f"/v/{code}/") == 200
    assert signer.request(f"/verifikasi/?code={code}") == 302
    assert signer.request(f"/v/{mistyped(code)}/") == 404

    job = Job.objects.create(kind="roster_export", title="Ekspor", user=world.operator_a, status="done")
    client = Client()
    client.force_login(world.operator_a)
    operator = Browser(base, f"sessionid={client.cookies['sessionid'].value}")
    assert operator.request(f"/berkas/{job.pk}/") == 200
    assert operator.request(f"/berkas/{job.pk}/unduh/") == 404  # no file: a "Not Found" line
    return {
        "personal link": invitation.token,
        "mistyped link": mistyped(other.token),
        "cut link": other.token[:12],
        "apel link": apel_token,
        "mistyped apel link": mistyped(apel_token),
        "verification code": code,
        "mistyped code": mistyped(code),
        "job id": str(job.pk),
        "job id (hex)": job.pk.hex,
    }


def assert_nothing_in_full(output, found):
    leaks = {name: secret for name, secret in found.items() if secret in output}
    assert not leaks, f"in full in the log: {sorted(leaks)}\n{output[-4000:]}"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_logs_hold_no_secret_in_full(world, signature_data_url, data_dir, tmp_path):
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        command = [*PRODUCTION_COMMAND, "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"]
        process = start(command, server_env(data_dir, port), log)
        try:
            found = signing_run(f"http://127.0.0.1:{port}", world, signature_data_url)
        finally:
            stop(process)
    output = log_path.read_text()
    assert_nothing_in_full(output, found)
    token = found["personal link"]
    # The lines are there, shortened: the access log (request and referer) and Django's 404s.
    assert f'"POST /t/{token[:4]}…/ HTTP/1.1" 302' in output
    assert f'"http://127.0.0.1:{port}/t/{token[:4]}…/"' in output
    assert f"Not Found: /t/{found['mistyped link'][:4]}…/" in output
    assert f"Not Found: /berkas/{found['job id'][:4]}…/unduh/" in output
    assert f"GET /verifikasi/?code={found['verification code'][:4]}… " in output


@pytest.mark.django_db(transaction=True)
def test_the_development_server_logs_hold_no_secret_in_full(world, signature_data_url, data_dir, tmp_path):
    port = free_port()
    log_path = tmp_path / "runserver.log"
    with open(log_path, "w") as log:
        # As bin/run-dev (make run) starts it.
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        process = start(command, server_env(data_dir, port), log)
        try:
            found = signing_run(f"http://127.0.0.1:{port}", world, signature_data_url)
        finally:
            stop(process)
    output = log_path.read_text()
    assert_nothing_in_full(output, found)
    assert f'"GET /t/{found["personal link"][:4]}…/ HTTP/1.1" 200' in output
    assert f"Not Found: /apel/{found['mistyped apel link'][:4]}…/" in output


def test_a_traceback_is_shortened_too():
    """A server error's line and its traceback go through the same handler: a token
    in an exception's message is cut like one in a URL."""
    (console,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    token = secrets.token_urlsafe(32)
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        try:
            raise ValueError(f"could not render /t/{token}/pakta.pdf")
        except ValueError:
            logging.getLogger("django.request").error(
                "Internal Server Error: %s", f"/t/{token}/pakta.pdf", exc_info=True, extra={"status_code": 500}
            )
    finally:
        console.setStream(previous)
    output = stream.getvalue()
    assert token not in output
    assert f"Internal Server Error: /t/{token[:4]}…/pakta.pdf" in output
    assert f"ValueError: could not render /t/{token[:4]}…/pakta.pdf" in output
