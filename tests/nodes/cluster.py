"""Netralitas on several "machines" at once, on loopback, as ``docs/deployment.md`` lays
it out: two web nodes and two workers, each machine with a data folder of its own (no
shared disk), one PostgreSQL behind a real ``pgbouncer`` in transaction mode, one
private ``redis-server``, an S3-compatible server (moto's) and a real ``nginx`` in front,
round-robin, with TLS.

The processes are the ones the deployment files describe: the web node and the worker
run the ``ExecStart`` of ``deploy/systemd/*.service`` (``/opt/netralitas`` being this
checkout, ``%H`` the machine, ``%i`` the instance, ``${…}`` from the environment file),
the environment is ``deploy/netralitas.env.example`` with the addresses of these
servers, and nginx runs ``deploy/nginx/netralitas.conf`` with its upstream addresses,
ports and certificate replaced."""

import datetime
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.pgbouncer import PgBouncer
from tests.ports import free_port
from tests.redis_server import RedisServer
from tests.s3 import BUCKET, CREDENTIALS, S3Server

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/netralitas"


def environment_file(path):
    """``KEY=VALUE`` lines of a systemd environment file."""
    values = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def unit_command(unit, env, machine, instance=""):
    """The ``ExecStart`` and ``WorkingDirectory`` of ``deploy/systemd/<unit>`` as
    systemd would run them on ``machine``."""
    fields = {}
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            fields[key] = value
    command = fields["ExecStart"].replace(INSTALLED, str(ROOT)).replace("%H", machine).replace("%i", instance)
    command = re.sub(r"\$\{(\w+)\}", lambda match: env[match.group(1)], command)
    return shlex.split(command), fields["WorkingDirectory"].replace(INSTALLED, str(ROOT))


def self_signed(folder):
    """A certificate for 127.0.0.1 and its key, for nginx's TLS."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "fullchain.pem", folder / "privkey.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert, private


class Machine:
    """One machine: its own data folder and keys folder, its web node and its worker."""

    def __init__(self, name, folder):
        self.name = name
        self.data = folder / "var-lib-netralitas"
        self.keys = folder / "etc-netralitas-keys"
        self.web_port = free_port()
        self.web = self.worker = None
        self.logs = folder


class Cluster:
    def __init__(self, database_url):
        self.database_url = database_url  # straight to PostgreSQL: the owner's
        self.folder = Path(tempfile.mkdtemp(prefix="netralitas-nodes-"))
        self.machines = [Machine(name, self._folder(name)) for name in ("node-a", "node-b")]
        self.https_port = free_port()
        self.base = f"https://127.0.0.1:{self.https_port}"
        self.processes = []
        self.bouncer = self.redis = self.s3 = None
        self.secret_key = secrets.token_urlsafe(50)
        self.certificate = None

    def _folder(self, name):
        path = self.folder / name
        path.mkdir()
        return path

    # -- the shared servers ------------------------------------------------------------

    def start_services(self):
        self.bouncer = PgBouncer(self.database_url, pool_size=4).start()
        self.redis = RedisServer().start()
        self.s3 = S3Server().start()

    def environment(self, machine, *, straight=False):
        """The environment file of ``machine``, with this cluster's addresses."""
        env = environment_file(DEPLOY / "netralitas.env.example")
        env.update(
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1",
            PUBLIC_BASE_URL=self.base,
            CSRF_TRUSTED_ORIGINS=self.base,
            DATABASE_URL=self.database_url if straight else self.bouncer.url,
            DATABASE_TRANSACTION_POOLING="0" if straight else "1",
            REDIS_URL=self.redis.url,
            AWS_STORAGE_BUCKET_NAME=BUCKET,
            AWS_S3_ENDPOINT_URL=self.s3.endpoint,
            AWS_LOCATION="nodes",
            NETRALITAS_DATA_DIR=str(machine.data),
            SIGNING_KEYS_DIR=str(machine.keys),
            WEB_WORKERS="2",
            WEB_BIND=f"127.0.0.1:{machine.web_port}",
            LOG_LEVEL="WARNING",
            # A worker that died is noticed within seconds, not a minute, for the test's sake.
            TASKS_LEASE_SECONDS="4",
            TASKS_RECLAIM_EVERY="1",
            **CREDENTIALS,
        )
        return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", **env}

    def manage(self, machine, *args, straight=True, timeout=300):
        """``python manage.py …`` on ``machine`` (straight to PostgreSQL: the owner's steps)."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.environment(machine, straight=straight), "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} on {machine.name}:\n{result.stderr[-3000:]}"
        return result.stdout

    def deploy(self):
        """What deploying the code does on each machine: migrate (once), compile the
        translations, collect the static files into the machine's data folder."""
        first = self.machines[0]
        self.manage(first, "migrate", "--no-input", "-v", "0")
        for machine in self.machines:
            machine.keys.mkdir(parents=True)
            self.manage(machine, "collectstatic", "--no-input", "-v", "0")

    def install_keys(self):
        """The seal keys written on the first machine, installed on the others."""
        for machine in self.machines[1:]:
            shutil.rmtree(machine.keys)
            shutil.copytree(self.machines[0].keys, machine.keys)

    # -- the nodes ---------------------------------------------------------------------

    def _start(self, machine, unit, role, instance=""):
        env = self.environment(machine)
        command, cwd = unit_command(unit, env, machine.name, instance)
        log = open(machine.logs / f"{role}.log", "ab")  # noqa: SIM115 — closed with the process
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes.append(process)
        return process

    def start_web(self):
        for machine in self.machines:
            machine.web = self._start(machine, "netralitas-web.service", "web")
        for machine in self.machines:
            self._wait(f"http://127.0.0.1:{machine.web_port}/healthz", machine)

    def start_workers(self):
        for machine in self.machines:
            machine.worker = self._start(machine, "netralitas-worker@.service", "worker", instance="1")

    def worker_id(self, machine):
        return f"{machine.name}-1"

    def _wait(self, url, machine, seconds=90):
        deadline = time.monotonic() + seconds
        while True:
            try:
                if requests.get(url, timeout=2, headers={"X-Forwarded-Proto": "https"}).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer; log:\n{self.log(machine, 'web')[-3000:]}")
            time.sleep(0.2)

    def log(self, machine, role):
        path = machine.logs / f"{role}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- nginx -------------------------------------------------------------------------

    def start_nginx(self):
        folder = self.folder / "nginx"
        folder.mkdir()
        cert, key = self_signed(folder)
        self.certificate = cert
        site = (DEPLOY / "nginx" / "netralitas.conf").read_text()
        a, b = (machine.web_port for machine in self.machines)
        site = site.replace("server 10.0.0.11:8000", f"server 127.0.0.1:{a}")
        site = site.replace("server 10.0.0.12:8000", f"server 127.0.0.1:{b}")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
        site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{self.https_port} ssl")
        site = site.replace("/etc/ssl/netralitas/fullchain.pem", str(cert))
        site = site.replace("/etc/ssl/netralitas/privkey.pem", str(key))
        assert f"127.0.0.1:{a}" in site and f"127.0.0.1:{b}" in site and str(cert) in site, "nginx site changed"
        (folder / "netralitas.conf").write_text(site)
        temp = "\n".join(
            f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            "\n".join(
                [
                    "user root;" if os.geteuid() == 0 else "",
                    "daemon off;",
                    "worker_processes 1;",
                    f"pid {folder / 'nginx.pid'};",
                    f"error_log {folder / 'error.log'} warn;",
                    "events { worker_connections 512; }",
                    "http {",
                    temp,
                    f"    include {folder / 'netralitas.conf'};",
                    "}",
                    "",
                ]
            )
        )
        command = ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.processes.append(process)
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{self.base}/healthz", verify=str(cert), timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if process.poll() is not None:
                raise AssertionError(f"nginx exited: {process.stderr.read().decode()}")
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.2)

    # -- what is on the machines' disks ------------------------------------------------

    def files(self, machine):
        """Every file in ``machine``'s data folder (relative names)."""
        return {str(path.relative_to(machine.data)) for path in machine.data.rglob("*") if path.is_file()}

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for server in (self.s3, self.redis, self.bouncer):
            if server is not None:
                server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
