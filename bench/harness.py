"""What the benchmarks share: a throw-away PostgreSQL database, Django set up on it
with production settings, timing, running one job in a fresh process so that
its peak memory is its own (``resource.getrusage`` in that process), and the
production stack the HTTP benchmarks drive (bench/signing.py, bench/api.py): a
private Redis, gunicorn in production settings, a free loopback port.

The database is ``BENCH_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/netralitas_bench``): created at the start,
dropped at the end. Never point it at a database you want to keep.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
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


def setup_django(url, workdir, **overrides):
    """Django set up in this process on the benchmark database (``overrides``: more
    environment, e.g. ``TASKS_BACKEND``), migrated, static files collected."""
    os.environ.update({**environment(url, workdir), **overrides})
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


# CPU used by processes (Linux /proc).

TICK = os.sysconf("SC_CLK_TCK")


def processes():
    """``(pid, name, parent pid, CPU seconds, CPU seconds of its reaped children)`` of
    every process on the machine."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        own, reaped = int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14])
        yield int(entry.name), name, int(rest[1]), own / TICK, reaped / TICK


def tree_cpu(pids):
    """CPU seconds used so far by the processes ``pids`` and their live children."""
    pids = set(pids)
    return sum(cpu for pid, _name, parent, cpu, _reaped in processes() if pid in pids or parent in pids)


def process_cpu(pid):
    """CPU seconds used so far by process ``pid`` alone."""
    return sum(cpu for other, _name, _parent, cpu, _reaped in processes() if other == pid)


def workers_cpu(pid):
    """CPU seconds used so far by the live children of ``pid`` — a gunicorn master's
    workers — without the master's own."""
    return sum(cpu for _pid, _name, parent, cpu, _reaped in processes() if parent == pid)


def postgres_cpu():
    """CPU seconds used so far by every ``postgres`` process on the machine, with its
    backends already gone (run on a quiet machine)."""
    return sum(cpu + reaped for _pid, name, _parent, cpu, reaped in processes() if name == "postgres")


# Background workers.


def start_db_workers(env, count, name, stderr=subprocess.DEVNULL):
    """``count`` ``manage.py db_worker`` processes on the default queue, polling every
    0.2 s from their start; their ids ``name`` followed by 0, 1, … Stop them with :func:`stop`."""
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--queue-name", "default"]
    command += ["--interval", "0.2", "--no-startup-delay"]
    return [
        subprocess.Popen(
            [*command, "--worker-id", f"{name}{number}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
        for number in range(count)
    ]


def stop(processes):
    """Terminate ``processes``, then wait for each."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait()


# The production stack: gunicorn in production settings with a Redis of its own.

SERVERS = []  # the running gunicorn masters' pids: their workers' CPU is the app's (bench/signing.py)


def free_port(preferred):
    """The first loopback port from ``preferred`` on that nothing answers."""
    for port in range(preferred, preferred + 50):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit(f"no free port from {preferred}")


def wait_for(url, seconds=180):
    """Until ``url`` answers 200 (a server has loaded the app), or stop the benchmark."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer {url}")


@contextmanager
def redis_server(port, workdir):
    """A private ``redis-server`` on a loopback port (or ``BENCH_REDIS_URL``, flushed); yields its URL."""
    url = os.environ.get("BENCH_REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()
        yield url
        return
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is missing: apt-get install -y redis-server (or set BENCH_REDIS_URL)")
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


def production_environment(database_url, workdir, redis_url, port):
    """The README's production settings for a server on ``port``: ``DEBUG=0``, the Redis
    cache and the rate limits, the database task backend, behind a TLS proxy (a client
    sends ``X-Forwarded-Proto: https`` and ``X-Forwarded-For``); ``bench.settings`` adds
    only the signing benchmark's floor view."""
    env = environment(database_url, workdir)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "PUBLIC_BASE_URL": "https://127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
            "REDIS_URL": redis_url,
            "TRUSTED_PROXY": "1",
            "BEHIND_TLS_PROXY": "1",
            "RATELIMIT_ENABLE": "1",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


@contextmanager
def gunicorn(env, port, workers, workdir, timeout=120):
    """gunicorn as the README starts it (sync workers), until it answers ``/healthz``;
    its log in ``workdir/gunicorn.log`` (the tail printed when it does not start)."""
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "netralitas.wsgi",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--backlog",
            "2048",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    SERVERS.append(process.pid)
    try:
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz")
        except SystemExit:
            log.flush()
            print((workdir / "gunicorn.log").read_text()[-3000:])
            raise
        yield process
    finally:
        SERVERS.remove(process.pid)
        process.terminate()
        process.wait()
        log.close()
