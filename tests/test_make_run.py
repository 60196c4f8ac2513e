"""`make run` as a person uses it: the address it prints (and every link, QR code and PDF
with it) follows HOST and PORT; HOST=0.0.0.0 prints the machine's LAN address and a QR
code a phone can scan; the demo's error pages are the project's own; Ctrl-C stops
everything without an error. Real processes on the ports of this test run."""

import http.cookiejar
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from netralitas.lib.address import lan_address

ROOT = Path(__file__).resolve().parents[1]
PORT_LOOPBACK = int(os.environ.get("TEST_RUN_PORT", "18503"))
PORT_LAN = PORT_LOOPBACK + 1


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A data folder of its own, prepared by `make setup` (schema, static files, demo
    data) as `make run` prepares it; packages are taken as installed."""
    folder = tmp_path_factory.mktemp("make-run")
    subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", "sysdeps", "setup"],
        cwd=ROOT,
        env=_env(folder),
        check=True,
        timeout=300,
        capture_output=True,
    )
    return folder


def _env(folder):
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    for name in ("PUBLIC_BASE_URL", "ALLOWED_HOSTS", "SECRET_KEY", "SECURE_COOKIES", "MAKEFLAGS", "MFLAGS"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        NETRALITAS_DATA_DIR=str(folder),
        PYTHONUNBUFFERED="1",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    return env


class Run:
    """`make run` (its setup taken as done) in a session of its own, as a terminal runs it."""

    def __init__(self, folder, host, port):
        self.port = port
        self.folder = folder
        self.lines = []
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "-o", "setup", "-o", "sysdeps", "run", f"HOST={host}", f"PORT={port}"],
            cwd=ROOT,
            env=_env(folder),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            # A terminal's processes take Ctrl-C; pytest's may have inherited "ignore".
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self):
        return "\n".join(self.lines)

    def wait_for(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not printed:\n{self.output}")

    def address(self):
        self.wait_for("Netralitas: ")
        line = next(line for line in self.lines if line.startswith("Netralitas: "))
        return line.removeprefix("Netralitas: ").split()[0]

    def get(self, url, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def interrupt(self):
        """Ctrl-C: SIGINT to every process of the terminal's foreground group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self._finish()

    def terminate(self):
        """`kill` of make alone (as a process manager does)."""
        self.process.terminate()
        return self._finish()

    def _finish(self):
        code = self.process.wait(30)
        time.sleep(0.5)
        survivors = subprocess.run(
            ["ps", "-o", "pid=,stat=,args=", "-g", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        alive = [line for line in survivors.splitlines() if line.split()[1][0] != "Z"]
        return code, alive

    def kill(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def run(data_dir):
    runs = []

    def start(host, port):
        runs.append(Run(data_dir, host, port))
        return runs[-1]

    yield start
    for started in runs:
        started.kill()


def test_the_address_follows_host_and_port_and_ctrl_c_stops_cleanly(run):
    server = run("127.0.0.1", PORT_LOOPBACK)
    assert server.address() == f"http://127.0.0.1:{PORT_LOOPBACK}/"
    assert "make run HOST=0.0.0.0" in server.output  # how to reach it from a phone
    status, html = server.get(f"http://127.0.0.1:{PORT_LOOPBACK}/")
    assert status == 200 and "Masuk untuk staf" in html, server.output

    # The project's 404 page, not Django's debug page listing every URL.
    status, html = server.get(f"http://127.0.0.1:{PORT_LOOPBACK}/tidak-ada/")
    assert status == 404
    assert "Halaman tidak ditemukan" in html
    assert "URLconf" not in html and "netralitas.urls" not in html

    server.wait_for("Starting worker", timeout=60)
    code, alive = server.interrupt()
    assert alive == [], f"still running after Ctrl-C: {alive}"
    assert "Error" not in server.output and "Traceback" not in server.output, server.output
    assert code in (0, -signal.SIGINT)  # make re-raises the Ctrl-C it received itself


def test_host_0000_prints_the_lan_address_and_a_qr_code_a_phone_can_scan(run, tmp_path):
    lan = lan_address()
    assert lan and not lan.startswith("127."), "this machine has a network address"
    server = run("0.0.0.0", PORT_LAN)
    url = server.address()
    assert url == f"http://{lan}:{PORT_LAN}/"
    server.wait_for("Pindai dengan ponsel")
    server.wait_for("Performing system checks")  # printed after the whole QR code
    assert _scan_terminal_qr(server.lines, tmp_path) == url

    # The LAN address is served (ALLOWED_HOSTS follows it), with its own error pages.
    status, html = server.get(url)
    assert status == 200 and "Masuk untuk staf" in html
    status, html = server.get(url + "apel/x/")
    assert status == 404 and "Halaman tidak ditemukan" in html

    # The operator signs in over plain HTTP at that address and prints the demo apel's
    # poster: its QR code (what the phone scans) opens the apel at the LAN address.
    opener = _signed_in(url, "operator", "netralitas-demo")
    with sqlite3.connect(data_dir_of(server) / "db.sqlite3") as db:
        pk, token = db.execute(
            "SELECT c.id, c.apel_token FROM ceremonies_ceremony c JOIN roster_agency a ON a.id = c.agency_id "
            "WHERE a.short_name = 'Pemkot Bukittinggi'"
        ).fetchone()
    poster = tmp_path / "poster.pdf"
    poster.write_bytes(opener.open(f"{url}apel/{pk}/poster.pdf", timeout=30).read())
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", poster, tmp_path / "poster"], check=True)
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", tmp_path / "poster.png"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert f"{url}apel/{token}/" in scanned
    status, html = server.get(f"{url}apel/{token}/")
    assert status == 200 and "NIP" in html

    server.wait_for("Starting worker", timeout=60)
    code, alive = server.terminate()
    assert alive == []
    assert "Error 143" not in server.output and "Error" not in server.output, server.output


def data_dir_of(server):
    return server.folder


def _signed_in(url, username, password):
    """An HTTP client with a staff session, signed in through the login form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(url + "akun/login/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": username, "password": password})
    request = urllib.request.Request(url + "akun/login/", data=form.encode(), headers={"Referer": url + "akun/login/"})
    landed = opener.open(request, timeout=30)
    assert "/akun/login/" not in landed.url, "signed in"
    return opener


def _scan_terminal_qr(lines, tmp_path):
    """Read the QR code drawn with half blocks back into an image and decode it with
    zbarimg: a full block is two light modules, a space two dark ones."""
    start = lines.index(next(line for line in lines if line.startswith("Pindai dengan ponsel"))) + 1
    rows = []
    for line in lines[start:]:
        if not line or set(line) - set("█▀▄ "):
            break
        top = [char in "█▀" for char in line]
        bottom = [char in "█▄" for char in line]
        rows.extend([top, bottom])
    assert rows, "a QR code under the address"
    scale = 8
    image = Image.new("L", (len(rows[0]) * scale, len(rows) * scale), 0)
    for y, row in enumerate(rows):
        for x, light in enumerate(row):
            if light:
                image.paste(255, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    path = tmp_path / "terminal-qr.png"
    image.save(path)
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=30)
    return result.stdout.strip()


def readme_commands():
    """Every ``python manage.py …`` of the README, as written (code spans and shell blocks)."""
    text = (ROOT / "README.md").read_text()
    pieces = re.findall(r"```sh\n(.*?)```", text, re.S) + re.findall(r"`([^`\n]+)`", text)
    commands = set()
    for piece in pieces:
        for line in piece.splitlines():
            for part in re.split(r"&&|\|(?!\|)", line.split("  #")[0]):
                part = part.strip()
                if re.match(r"(\S+=\S+ )*python manage\.py \w", part):  # not "python manage.py …" itself
                    commands.add(part)
    return commands


# What each README command answers in a checkout `make run` set up — no SECRET_KEY, no
# DEBUG, the venv activated as the README says: its exit status and words of its answer.
# The placeholders (ID_INSTANSI, berkas.xlsx, /srv/cadangan) are given real values.
AS_WRITTEN = {
    "python manage.py import_roster ID_INSTANSI berkas.xlsx [--dry-run] [--deactivate-missing]": (
        0,
        "Pratinjau (tidak ada yang disimpan): 1 baru",
    ),
    "python manage.py create_dev_certificate [id_instansi ...]": (0, "Pemkot Bukittinggi: "),
    "python manage.py add_archival_timestamps": (1, "TSA_URL belum diatur"),
    "python manage.py check --deploy": (1, "netralitas.E001"),  # the development key is no production key
    "python manage.py migrate": (0, "No migrations to apply"),
    "python manage.py compilemessages --ignore=.venv": (0, ""),
    "python manage.py collectstatic": (0, "static files copied"),
    "python manage.py render_missing_pdfs": (0, "PDF dibuat: 0, gagal: 0"),
    "python manage.py cleanup_jobs": (0, ""),
    "python manage.py cleanup_webhooks": (0, "peristiwa webhook lama dihapus"),
    "python manage.py prune_db_task_results --queue-name '*' --min-age-days 7": (0, ""),
    "python manage.py check_guards": (0, ""),
    "python manage.py backup /srv/cadangan/netralitas-$(date +%F).tar": (0, "Cadangan dibuat: "),
    "python manage.py restore /srv/cadangan/netralitas-2026-11-23.tar": (1, "tidak kosong"),
    "python manage.py check_storage": (0, "PDF pakta: "),
    "python manage.py personal_data NIP BERKAS.zip": (0, " undangan, "),
    'python manage.py create_api_token ID_INSTANSI "Dasbor BKD"': (0, "ntr_"),
    "python manage.py apply_retention --dry-run": (0, "Uji coba (--dry-run): tidak ada yang diubah."),
    "python manage.py apply_retention": (0, "Bukittinggi: "),
    # Last: they switch the demo agency to BSrE, which this checkout has no settings for.
    "python manage.py bsre_setup ID_INSTANSI --subscriber ID_SUBSCRIBER --totp KODE": (0, "menyegel melalui BSrE"),
    "python manage.py bsre_setup ID_INSTANSI --subscriber ID_SUBSCRIBER --totp -": (0, "Belum diatur di server: BSRE"),
    "python manage.py bsre_keepalive": (1, "Segel BSrE belum diatur di server"),
}
# Long-running: started, then stopped as systemd stops them.
WORKERS = {
    "python manage.py db_worker --no-reload --queue-name default",
    "python manage.py db_worker --no-reload --queue-name default,jobs",
}
# Run as the PostgreSQL owner of a production server (README, "Peran basis data").
OWNER_ONLY = {
    "DATABASE_URL=postgres://netralitas_owner:…@host/netralitas python manage.py migrate",
    'DATABASE_URL="$OWNER_URL" python manage.py app_role_sql netralitas_app',
}


def test_the_readme_commands_run_as_written_in_a_make_run_checkout(data_dir, tmp_path):
    import openpyxl

    assert readme_commands() == set(AS_WRITTEN) | WORKERS | OWNER_ONLY, "a README command without its test"
    with sqlite3.connect(data_dir / "db.sqlite3") as db:
        (agency,) = db.execute("SELECT id FROM roster_agency WHERE short_name = 'Pemkot Bukittinggi'").fetchone()
        (nip,) = db.execute("SELECT nip FROM roster_employee WHERE nip IS NOT NULL ORDER BY id").fetchone()
    roster = openpyxl.Workbook()
    roster.active.append(["NIP", "Nama"])
    roster.active.append(["198001012005011001", "Budi Santoso"])
    roster.save(tmp_path / "berkas.xlsx")
    backups = tmp_path / "cadangan"
    backups.mkdir()

    def concrete(command):
        command = command.replace("ID_INSTANSI", str(agency)).replace("berkas.xlsx", str(tmp_path / "berkas.xlsx"))
        command = command.replace("[--dry-run] [--deactivate-missing]", "--dry-run").replace(" [id_instansi ...]", "")
        command = command.replace("/srv/cadangan/netralitas-2026-11-23.tar", f"{backups}/netralitas-*.tar")
        command = command.replace("/srv/cadangan", str(backups))
        command = command.replace("NIP BERKAS.zip", f"{nip} {tmp_path / 'data-pribadi.zip'}")
        command = command.replace("ID_SUBSCRIBER", "demo-subscriber").replace("--totp KODE", "--totp 123456")
        command += " <<< 654321" if command.endswith("--totp -") else ""
        return command + (" <<< yes" if "collectstatic" in command else "")  # it asks first

    for command, (status, words) in AS_WRITTEN.items():
        result = subprocess.run(
            ["bash", "-c", f". .venv/bin/activate && {concrete(command)}"],
            cwd=ROOT,
            env=_env(data_dir),
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = result.stdout + result.stderr
        assert result.returncode == status, f"{command}: {result.returncode}\n{output}"
        assert words in output, f"{command}:\n{output}"
        for wrong in ("Traceback", "SECRET_KEY is required", "ImproperlyConfigured"):
            assert wrong not in output, f"{command}:\n{output}"

    for command in WORKERS:
        worker = subprocess.Popen(
            ["bash", "-c", f". .venv/bin/activate && exec {command}"],
            cwd=ROOT,
            env=_env(data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        watchdog = threading.Timer(120, worker.kill)  # never hangs the suite
        watchdog.start()
        lines = []
        for line in worker.stdout:
            lines.append(line)
            if "Starting worker" in line:
                worker.terminate()
        watchdog.cancel()
        assert worker.wait(30) == 0 and "Traceback" not in "".join(lines), "".join(lines)
