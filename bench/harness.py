"""What the benchmarks share: a throw-away PostgreSQL database, Django set up on it
with production settings, timing, and running one job in a fresh process so that
its peak memory is its own (``resource.getrusage`` in that process).

The database is ``BENCH_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/netralitas_bench``): created at the start,
dropped at the end. Never point it at a database you want to keep.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/netralitas_bench"


def bench_url():
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def _admin_connection(url):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)


@contextmanager
def throwaway_database():
    """Create the benchmark database (dropping a leftover one), yield its URL, drop it."""
    url = bench_url()
    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing database name {name!r}")
    with _admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        with _admin_connection(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(url, workdir):
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-only",
        "NETRALITAS_DATA_DIR": str(workdir),
        "MEDIA_ROOT": str(workdir / "media"),
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "DJANGO_SETTINGS_MODULE": "netralitas.settings",
        "RATELIMIT_ENABLE": "0",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }


def setup_django(url, workdir):
    os.environ.update(environment(url, workdir))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


@contextmanager
def django_on_throwaway_database():
    with throwaway_database() as url, tempfile.TemporaryDirectory(prefix="netralitas-bench-") as tmp:
        workdir = Path(tmp)
        setup_django(url, workdir)
        yield url, workdir


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<58} {elapsed:7.2f} s", flush=True)
    return result, elapsed


def run_job_in_fresh_process(job_id, url, workdir):
    """Run one job as a worker does (``jobs.tasks.execute``), in a new process; returns
    ``(seconds, peak MB of that process, job status, message)``."""
    code = (
        "import json, resource, time, django; django.setup();"
        "from jobs.tasks import execute;"
        f"t = time.perf_counter(); job = execute({str(job_id)!r}); s = time.perf_counter() - t;"
        "print(json.dumps({'seconds': s, 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " 'status': job.status, 'message': job.message}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment(url, workdir), capture_output=True, text=True
    )
    if output.returncode:
        raise SystemExit(output.stderr)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    return result["seconds"], result["peak_mb"], result["status"], result["message"]


def baseline_peak_mb(url, workdir):
    """The peak memory of a process that only sets Django up (what every job process carries)."""
    code = "import resource, django; django.setup(); import jobs.tasks, weasyprint, reportlab.pdfgen.canvas;"
    code += "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment(url, workdir), capture_output=True, text=True
    )
    return float(output.stdout.strip().splitlines()[-1])
