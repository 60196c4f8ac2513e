"""The monitoring endpoint beside the load balancer's ``/healthz``: each part's status
as JSON, 503 when one is down, nothing personal or secret in it, and only for the
machine itself or the holder of ``MONITORING_TOKEN``. (The cache going down, with a
real Redis stopped: tests/test_cache_outage.py.)"""

import datetime
import json
import socket

import pytest
from django.test import Client
from django.urls import reverse

from jobs.models import WorkerHeartbeat
from jobs.worker import Heartbeat
from tests import s3, stored

pytestmark = pytest.mark.django_db
TOKEN = "m" * 40


def status(client=None, **extra):
    return (client or Client()).get(reverse("healthz_status"), **extra)


def test_every_part_up(world, settings):
    Heartbeat("worker-1").beat()
    Heartbeat("worker-2").beat()
    response = status()
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert body["parts"]["database"] == {"status": "ok"}
    assert body["parts"]["cache"] == {"status": "ok", "shared": False}  # no REDIS_URL in the tests
    assert body["parts"]["storage"] == {"status": "ok"}
    assert body["parts"]["workers"]["status"] == "ok" and body["parts"]["workers"]["alive"] == 2
    # Nothing that names a machine, a path, a worker, a person or a secret.
    text = json.dumps(body)
    for private in (socket.gethostname(), str(settings.MEDIA_ROOT), "worker-1", settings.SECRET_KEY):
        assert private not in text
    assert world.employees_a[0].nip not in text and "operator" not in text
    # The probe leaves nothing behind in the storage.
    assert stored.names() == []
    # The load balancer's liveness check is unchanged.
    liveness = Client().get(reverse("healthz"))
    assert liveness.status_code == 200 and liveness.content == b"ok"


def test_workers_that_stopped_beating_are_down(db, settings):
    response = status()
    assert response.status_code == 503 and response.json()["status"] == "down"
    assert response.json()["parts"]["workers"] == {"status": "down", "error": "LookupError"}
    Heartbeat("worker-1").beat()
    WorkerHeartbeat.objects.update(seen_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5))
    assert status().json()["parts"]["workers"]["status"] == "down"
    Heartbeat("worker-1").beat()
    assert status().status_code == 200


def test_storage_that_cannot_be_written_is_down(db, settings, tmp_path):
    Heartbeat("worker-1").beat()
    if s3.wanted():
        settings.AWS_STORAGE_BUCKET_NAME = "tidak-ada"  # a bucket the server does not have
    else:
        blocker = tmp_path / "not-a-folder"
        blocker.write_bytes(b"")
        settings.MEDIA_ROOT = blocker / "media"
    response = status()
    assert response.status_code == 503
    part = response.json()["parts"]["storage"]
    assert part["status"] == "down" and set(part) == {"status", "error"}
    assert str(tmp_path) not in response.content.decode()


def test_only_this_machine_or_the_token_holder_may_ask(db, settings):
    Heartbeat("worker-1").beat()
    response = status(REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 403 and "MONITORING_TOKEN" in response.json()["detail"]
    assert "parts" not in response.json()
    assert status(REMOTE_ADDR="::1").status_code == 200

    settings.MONITORING_TOKEN = TOKEN
    assert status(REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert status(REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}x").status_code == 403
    assert status(REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION=TOKEN).status_code == 403
    # Behind the reverse proxy on this machine the client is the one it names, not the proxy.
    settings.TRUSTED_PROXY = True
    response = status(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert response.status_code == 403
