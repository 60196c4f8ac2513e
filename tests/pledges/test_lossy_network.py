"""Idempotent submit through a network that loses 30 % of connections or responses: a
thousand signers' submissions, each sent one to three times and again until an answer
comes, through a real TCP proxy process (``tests/lossy_proxy.py``) in front of the live
server — exactly one signature per submission, carrying the id the device minted."""

import base64
import http.client
import json
import random
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import reverse

from ceremonies.models import Invitation
from pledges.models import Signature
from roster.models import Employee
from tests import factories
from tests.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)

SIGNERS = 1000
DROP = 0.3
CLIENTS = 6


class LossyProxy:
    """``tests/lossy_proxy.py`` as a process in front of ``upstream_port``."""

    def __init__(self, upstream_port):
        self.port = free_port()
        command = [sys.executable, "-m", "tests.lossy_proxy", str(self.port), str(upstream_port), str(DROP), "22"]
        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready"

    def stop(self):
        """Stop it; what it did, counted."""
        if self.process.poll() is not None:
            return None
        self.process.terminate()
        counts = json.loads(self.process.stdout.readline())
        self.process.wait(timeout=10)
        return counts


@pytest.fixture
def proxy(live_server):
    proxy = LossyProxy(urlsplit(live_server.url).port)
    yield proxy
    proxy.stop()


def invitations(ceremony, unit):
    employees = Employee.objects.bulk_create(
        Employee(agency=ceremony.agency, unit=unit, nip=factories.nip(n), name=f"Pegawai {n}") for n in range(SIGNERS)
    )
    Invitation.objects.bulk_create(Invitation(ceremony=ceremony, employee=e, unit=unit) for e in employees)
    return list(Invitation.objects.filter(ceremony=ceremony).select_related("employee", "unit", "ceremony"))


def post(port, path, body, cookie):
    """One send through the proxy: the status, or ``None`` when the network lost it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Connection": "close"},
        )
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def test_a_thousand_submissions_sent_again_through_a_lossy_network_sign_once_each(client, live_server, proxy, ceremony):
    port = proxy.port
    unit = factories.unit(ceremony.agency, "Bagian Umum")
    rows = invitations(ceremony, unit)
    # One CSRF cookie and its form token, as a phone has them after loading its link.
    page = client.get(reverse("pledges:sign", args=[rows[0].token]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    cookie = f"csrftoken={client.cookies['csrftoken'].value}"
    drawing = "data:image/png;base64," + base64.b64encode(factories.signature_png(240, 120)).decode()
    chance = random.Random(22)
    submissions = []
    for invitation in rows:
        minted = uuid.uuid4()
        body = urlencode(
            {
                "csrfmiddlewaretoken": token,
                "signature": drawing,
                "agree": "on",
                "submission_id": str(minted),
                "claimed_ms": str(int(time.time() * 1000)),
                **factories.shown_fields(invitation),
            }
        )
        submissions.append((invitation, minted, body, chance.randint(1, 3)))

    def deliver(submission):
        invitation, _minted, body, times = submission
        path = reverse("pledges:sign", args=[invitation.token])
        answers = [post(port, path, body, cookie) for _ in range(times)]
        while not any(answers):  # the device sends again until an answer comes
            answers.append(post(port, path, body, cookie))
        return [answer for answer in answers if answer is not None], len(answers)

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(deliver, submissions))

    assert all(status == 302 for answers, _sent in results for status in answers)
    sent = sum(count for _answers, count in results)
    assert sent > SIGNERS * 2  # sent again, deliberately and after losses
    stored = dict(Signature.objects.values_list("invitation_id", "submission_id"))
    assert len(stored) == SIGNERS == Signature.objects.count()
    assert stored == {invitation.pk: minted for invitation, minted, _body, _times in submissions}
    # The network did lose what it says: both kinds, about 30 % of connections in all.
    counts = proxy.stop()
    assert counts["connections"] == sent
    assert counts["requests_lost"] > 0.1 * sent and counts["responses_lost"] > 0.1 * sent
    assert 0.25 < (counts["requests_lost"] + counts["responses_lost"]) / sent < 0.35
