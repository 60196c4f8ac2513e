"""Several nodes, no shared disk (issue 20): two machines, each with a web node and a
worker and a data folder of its own, behind nginx (round-robin), one PostgreSQL through
PgBouncer in transaction mode, one Redis, one S3-compatible bucket — all real processes
on loopback, started from the deployment files (``tests/nodes/cluster.py``).

Over 500 pacts are signed through nginx, so across both nodes; a worker is killed in
the middle of a PDF and the other machine's worker finishes its task; then every PDF
downloads, intact, from either node; the ZIP from the node the auditor did not sign in
on, and a recap started on one node from the other; the sign-in limit holds across
nodes; and neither machine's data folder gained a file.

It runs in ``make test``'s PostgreSQL pass (the SQLite pass leaves ``tests/nodes`` out:
PostgreSQL is what several nodes share)."""

import base64
import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from tests import factories
from tests.nodes.cluster import ROOT, Cluster
from tests.postgres import throwaway_database

PACTS = 520
CSRF = "0123456789abcdef0123456789abcdef"  # a CSRF secret, sent as cookie and as field
CLIENT = "127.0.0.1"  # nginx appends the client's address: this machine


@pytest.fixture(scope="module")
def cluster():
    with throwaway_database("nodes") as url:
        nodes = Cluster(url)
        try:
            nodes.start_services()
            nodes.deploy()
            yield nodes
        finally:
            nodes.stop()


def provision(nodes):
    result = subprocess.run(
        [sys.executable, "-m", "tests.nodes.provision", str(PACTS)],
        cwd=ROOT,
        env={**nodes.environment(nodes.machines[0], straight=True), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


class Browser:
    """A person's browser: through nginx, or straight to one node (as nginx would
    forward it: the same Host, the client's address, HTTPS)."""

    def __init__(self, nodes, node=None):
        # Cookies kept by hand: a node answers over plain HTTP (nginx holds the TLS), and
        # a cookie jar would not send the app's Secure cookies back there.
        self.nodes, self.session, self.cookies = nodes, requests.Session(), {"csrftoken": CSRF}
        if node is None:
            self.base, self.verify, self.headers = nodes.base, str(nodes.certificate), {}
        else:
            self.base, self.verify = f"http://127.0.0.1:{node.web_port}", True
            self.headers = {
                "Host": f"127.0.0.1:{nodes.https_port}",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": CLIENT,
            }

    def get(self, path):
        return self._kept(
            self.session.get(
                self.base + path,
                headers=self.headers,
                cookies=self.cookies,
                verify=self.verify,
                allow_redirects=False,
                timeout=60,
            )
        )

    def _kept(self, response):
        self.cookies.update(response.cookies.get_dict())
        return response

    def post(self, path, data):
        headers = {**self.headers, "Origin": self.nodes.base, "Referer": self.nodes.base + path}
        return self._kept(
            self.session.post(
                self.base + path,
                data={"csrfmiddlewaretoken": self.cookies["csrftoken"], **data},
                headers=headers,
                cookies=self.cookies,
                verify=self.verify,
                allow_redirects=False,
                timeout=60,
            )
        )

    def sign_in(self, username, password):
        return self.post("/akun/login/", {"username": username, "password": password})

    def use_session_of(self, other):
        self.cookies["sessionid"] = other.cookies["sessionid"]


def query(url, sql, *params):
    with psycopg.connect(url) as connection:
        return connection.execute(sql, params).fetchall()


def kill_a_worker_mid_task(nodes, machine):
    """Freeze ``machine``'s worker while it holds a task, then kill it: the task it held."""
    worker = machine.worker
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        worker.send_signal(signal.SIGSTOP)
        held = query(
            nodes.database_url,
            "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' AND worker_ids::text LIKE %s",
            f'%"{nodes.worker_id(machine)}"%',
        )
        if held:
            worker.kill()
            worker.wait(timeout=10)
            return [row[0] for row in held]
        worker.send_signal(signal.SIGCONT)
        time.sleep(0.05)
    raise AssertionError("the worker never held a task")


def documents(nodes, ceremony):
    return query(
        nodes.database_url,
        "SELECT s.id, d.sha256, d.file FROM pledges_signature s JOIN pledges_pactdocument d ON d.signature_id = s.id "
        "JOIN ceremonies_invitation i ON i.id = s.invitation_id WHERE i.ceremony_id = %s ORDER BY s.id",
        ceremony,
    )


def wait_until(condition, what, seconds=600, condition_on=bool):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if condition_on(value):
            return value
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.5)


def test_two_machines_share_nothing_but_postgresql_redis_and_the_bucket(cluster):
    nodes = cluster
    apel = provision(nodes)
    nodes.install_keys()
    before = {machine.name: nodes.files(machine) for machine in nodes.machines}
    nodes.start_web()
    nodes.start_workers()
    nodes.start_nginx()
    node_a, node_b = nodes.machines

    # Over 500 signers, eight at a time, each through nginx: both nodes serve them.
    drawing = "data:image/png;base64," + base64.b64encode(factories.signature_png()).decode()

    def sign(link):
        answer = Browser(nodes).post(
            f"/t/{link['token']}/",
            {
                "signature": drawing,
                "agree": "on",
                "text_format": link["text_format"],
                "text_sha256": link["text_sha256"],
            },
        )
        return answer.status_code

    with ThreadPoolExecutor(8) as pool:
        first = list(pool.map(sign, apel["links"][:200]))
        # One machine's worker dies while it makes a PDF; the other takes its task over.
        orphaned = kill_a_worker_mid_task(nodes, node_a)
        rest = list(pool.map(sign, apel["links"][200:]))
    assert first + rest == [302] * PACTS

    made = wait_until(lambda: len(documents(nodes, apel["ceremony"])) == PACTS, "every PDF made")
    assert made
    for task in orphaned:
        ((status, workers),) = query(
            nodes.database_url,
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
            task,
        )
        assert status == "SUCCESSFUL" and workers[-1] == nodes.worker_id(node_b), (status, workers)
    pacts = documents(nodes, apel["ceremony"])
    assert len(nodes.s3.keys("nodes/pacts/")) == PACTS

    # The auditor signs in on one node; the session holds on the other.
    on_a = Browser(nodes, node_a)
    assert on_a.sign_in(*apel["auditor"]).status_code == 302
    on_b = Browser(nodes, node_b)
    on_b.use_session_of(on_a)

    # Every PDF, intact, from either node.
    def fetch(browser, signature):
        answer = browser.get(f"/inspektorat/pakta/{signature}.pdf")
        return answer.status_code, hashlib.sha256(answer.content).hexdigest()

    with ThreadPoolExecutor(4) as pool:
        for browser in (on_a, on_b):
            got = list(pool.map(lambda pact, b=browser: fetch(b, pact[0]), pacts))
            assert got == [(200, sha256) for _id, sha256, _file in pacts]

    # The ZIP from the node the auditor did not sign in on: every PDF, nothing flagged.
    answer = on_b.get(f"/inspektorat/apel/{apel['ceremony']}/pakta.zip")
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert len([name for name in archive.namelist() if name.endswith(".pdf")]) == PACTS
    assert len(manifest) == PACTS and not [row for row in manifest if row["Catatan"]]

    # A recap started on one node, made by a worker, downloaded from the other.
    started = on_a.post(f"/inspektorat/apel/{apel['ceremony']}/rekap.csv", {})
    assert started.status_code == 302, started.status_code
    page = started.headers["Location"]
    job = page.rstrip("/").rsplit("/", 1)[-1]
    status, message = wait_until(
        lambda: query(nodes.database_url, "SELECT status, message FROM jobs_job WHERE id = %s", job)[0],
        "the recap",
        condition_on=lambda row: row[0] in ("done", "failed"),
    )
    assert status == "done", message
    answer = on_b.get(f"{page}unduh/")
    assert answer.status_code == 200, answer.status_code
    assert len(list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))) == PACTS + 1

    # The sign-in limit is one for all nodes (Redis): five wrong passwords for one account
    # through nginx (round-robin: both nodes), then the right one is refused on each node.
    for _attempt in range(5):
        assert Browser(nodes).sign_in(apel["operator"][0], "salah-sandi").status_code == 200
    for machine in nodes.machines:
        refused = Browser(nodes, machine).sign_in(*apel["operator"])
        assert refused.status_code == 429 and "Terlalu banyak kata sandi salah" in refused.text, machine.name
    assert Browser(nodes, node_b).sign_in(*apel["auditor"]).status_code == 302  # another account is not

    # Nothing was written to either machine's data folder while they served.
    for machine in nodes.machines:
        assert nodes.files(machine) == before[machine.name], machine.name
    assert not os.path.exists(node_a.data / "media") and not os.path.exists(node_b.data / "media")
