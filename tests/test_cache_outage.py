"""A cache outage is not an outage: with the shared cache (a real ``redis-server`` of
this test's own, on a free loopback port) stopped mid-run, every page still answers —
the limits count in the process's memory, the outage is logged once without a
traceback, the monitoring endpoint says the cache is down — and when Redis is started
again on the same port the shared counters come back by themselves."""

import logging
import time

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from jobs.worker import Heartbeat
from netralitas.lib.cache import RETRY_SECONDS, cache_settings
from pledges.models import Signature
from roster.login_limits import PAIR_FAILURES
from tests import factories
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db
PASSWORD = "rahasia-uji-123"  # tests.factories.user


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def shared_cache(settings, redis_server):
    settings.CACHES = cache_settings(redis_server.url)  # as the settings make them for REDIS_URL
    cache = caches["default"]
    cache.clear()
    return cache


def login(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def status(client):
    Heartbeat("test-worker").beat()  # a worker is alive: only the cache can be down
    response = client.get(reverse("healthz_status"))
    return response.status_code, response.json()


def test_every_page_answers_while_redis_is_down_and_the_limits_come_back(
    client, world, shared_cache, redis_server, signature_data_url, sign, caplog
):
    world.certify()
    redis = shared_cache._cache.get_client(write=True)
    apel_url = reverse("pledges:apel", args=[world.ceremony_a.apel_token])
    assert login(client, "operator_a", "salah").status_code == 200
    assert redis.keys("*"), "the failure is counted in Redis"
    code, body = status(client)
    assert code == 200 and body["parts"]["cache"] == {"status": "ok", "shared": True}
    signed = sign(world.invitations_a[3])

    redis_server.stop()
    caplog.clear()
    caplog.set_level(logging.INFO)

    # Staff sign in, with the right password and the wrong one.
    operator = Client()
    assert login(operator, "operator_b", PASSWORD, address="10.0.0.2").status_code == 302
    assert operator.get(reverse("roster:home")).status_code in (200, 302)
    assert login(Client(), "operator_a", "salah", address="10.0.0.3").status_code == 200
    # A mistyped signing link, the apel login (wrong and right), signing, verification.
    assert client.get(reverse("pledges:sign", args=["tautan-yang-salah-ketik"])).status_code == 404
    invitation = world.invitations_a[0]
    assert client.post(apel_url, {"nip": invitation.employee.nip, "code": "WRONG1"}).status_code == 200
    response = client.post(apel_url, {"nip": invitation.employee.nip, "code": invitation.code})
    assert response.status_code == 302
    form = {"signature": signature_data_url, "agree": "on", **factories.shown_fields(invitation)}
    response = client.post(response["Location"], form)
    assert response.status_code == 302 and Signature.objects.filter(invitation=invitation).exists()
    assert client.get(reverse("pledges:verify", args=[signed.verification_code])).status_code == 200
    assert client.get(reverse("pledges:verify_lookup")).status_code == 200
    # The limits still hold, in this process's memory.
    for _ in range(int(PAIR_FAILURES.split("/")[0])):
        assert login(client, "operator_a", "salah", address="10.0.0.4").status_code == 200
    assert login(client, "operator_a", PASSWORD, address="10.0.0.4").status_code == 429
    # Monitoring says which part is down.
    code, body = status(client)
    assert code == 503 and body["status"] == "down"
    assert body["parts"]["cache"] == {"status": "down", "error": "ConnectionError"}
    assert {name for name, part in body["parts"].items() if part["status"] == "ok"} == {
        "database",
        "storage",
        "workers",
    }
    # Logged once, one line, no traceback; no page logged an error (the monitoring
    # endpoint's own 503 is Django's one line about that request).
    outage = [record for record in caplog.records if record.name == "netralitas.lib.cache"]
    assert len(outage) == 1 and "unreachable" in outage[0].getMessage()
    assert not [record for record in caplog.records if record.exc_info]
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == ["Service Unavailable: /healthz/status"]

    redis_server.start()  # the same port, empty
    deadline = time.monotonic() + RETRY_SECONDS + 10
    address = 0
    while not redis.keys("*"):  # failures are counted in Redis again, by themselves
        assert time.monotonic() < deadline, "the counters did not come back to Redis"
        address += 1
        assert login(Client(), f"tebakan{address}", "salah", address=f"10.2.0.{address}").status_code == 200
        time.sleep(0.5)
    assert status(client)[0] == 200
    back = [record for record in caplog.records if record.name == "netralitas.lib.cache"]
    assert len(back) == 2 and "answers again" in back[1].getMessage()
