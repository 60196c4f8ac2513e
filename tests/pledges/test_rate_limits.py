"""The apel-day limits on the real cache backend (Redis, as in production): a whole
apel behind one public address signs and logs in without a single refusal, while
failures stay limited. Redis is TEST_REDIS_URL when set, otherwise a private
``redis-server`` started on a loopback port for this module."""

import os
import shutil
import socket
import subprocess
import time

import pytest
from django.urls import reverse

from ceremonies.models import Invitation
from pledges.models import Signature
from roster.models import Employee, EmploymentType
from tests import factories

pytestmark = pytest.mark.django_db
APEL_ADDRESS = "203.0.113.7"  # the office Wi-Fi's one public address


@pytest.fixture(scope="module")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    assert shutil.which("redis-server"), "redis-server is missing: make sysdeps-test installs it"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    from django.core.cache import cache

    assert type(cache._cache).__name__ == "RedisCacheClient" or "Redis" in type(cache).__name__
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def apel(ceremony):
    """An open apel with 1,000 invitations."""
    unit = factories.unit(ceremony.agency, "Dinas Pendidikan")
    Employee.objects.bulk_create(
        [
            Employee(
                agency=ceremony.agency,
                unit=unit,
                employment_type=EmploymentType.PNS,
                nip=factories.nip(n + 1),
                name=f"Guru Nomor {n + 1}, S.Pd.",
                rank="Penata Muda (III/a)",
                position="Guru Ahli Pertama",
            )
            for n in range(1000)
        ]
    )
    ceremony.invite(Employee.objects.filter(agency=ceremony.agency))
    return ceremony


def test_a_thousand_signers_from_one_address_all_sign(client, redis_cache, apel, signature_data_url):
    invitations = list(Invitation.objects.filter(ceremony=apel))
    assert len(invitations) == 1000
    refused = []
    for invitation in invitations:
        response = client.post(
            reverse("pledges:sign", args=[invitation.token]),
            {"signature": signature_data_url, "agree": "on", **factories.shown_fields(invitation)},
            REMOTE_ADDR=APEL_ADDRESS,
        )
        if response.status_code != 302:
            refused.append(response.status_code)
    assert refused == []
    assert Signature.objects.filter(invitation__ceremony=apel, ip_address=APEL_ADDRESS).count() == 1000
    # Valid submits left nothing in the limits' counters.
    assert not redis_cache._cache.get_client().keys("*")


def test_a_thousand_correct_apel_logins_from_one_address_and_failures_still_limited(client, redis_cache, apel):
    url = reverse("pledges:apel", args=[apel.apel_token])
    invitations = list(Invitation.objects.filter(ceremony=apel).select_related("employee"))
    # A few of the crowd mistype first: they are answered, and count only against themselves.
    for invitation in invitations[:40]:
        response = client.post(url, {"nip": invitation.employee.nip, "code": "WRONG1"}, REMOTE_ADDR=APEL_ADDRESS)
        assert response.status_code == 200 and "tidak cocok" in response.content.decode()
    statuses = [
        client.post(
            url, {"nip": invitation.employee.nip, "code": invitation.code}, REMOTE_ADDR=APEL_ADDRESS
        ).status_code
        for invitation in invitations
    ]
    assert statuses == [302] * 1000

    # Someone guessing one colleague's code is stopped after five tries…
    victim = invitations[500]
    for _ in range(5):
        response = client.post(url, {"nip": victim.employee.nip, "code": "WRONG1"}, REMOTE_ADDR="198.51.100.9")
        assert response.status_code == 200
    response = client.post(url, {"nip": victim.employee.nip, "code": victim.code}, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    # … which locks the colleague out neither at the apel nor anywhere else.
    for address in (APEL_ADDRESS, "192.0.2.44"):
        response = client.post(url, {"nip": victim.employee.nip, "code": victim.code}, REMOTE_ADDR=address)
        assert response.status_code == 302


def test_unknown_links_are_limited_per_address(client, redis_cache):
    for number in range(60):
        response = client.post(reverse("pledges:sign", args=[f"unknown-link-{number:06d}"]), REMOTE_ADDR="198.51.100.1")
        assert response.status_code == 404
    assert redis_cache._cache.get_client().keys("*"), "the failures are counted in Redis"
    response = client.get(reverse("pledges:sign", args=["unknown-link-000999"]), REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert client.get(reverse("pledges:sign", args=["unknown-link-000999"]), REMOTE_ADDR="192.0.2.1").status_code == 404
