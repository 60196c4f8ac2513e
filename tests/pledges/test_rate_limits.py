"""The apel-day limits on the real cache backend (Redis, as in production): a whole
apel behind one public address signs and logs in without a single refusal, while
failures stay limited. Redis is TEST_REDIS_URL when set, otherwise a private
``redis-server`` started on a loopback port for this module."""

import os
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ceremonies.models import Invitation
from pledges.models import Signature
from roster.models import Employee, EmploymentType
from tests import factories
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db
APEL_ADDRESS = "203.0.113.7"  # the office Wi-Fi's one public address


@pytest.fixture(scope="module")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


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


# -- nobody keeps a colleague out for more than a minute ---------------------------


def apel_post(client, ceremony, nip, code, address):
    return client.post(
        reverse("pledges:apel", args=[ceremony.apel_token]), {"nip": nip, "code": code}, REMOTE_ADDR=address
    )


def refusal_sentences(response):
    """The page's body (not its title): what it says about the refusal."""
    body = response.content.decode().split("</title>", 1)[1]
    return re.findall(r"Terlalu banyak[^<]*", body)


@pytest.fixture
def small_apel(ceremony):
    unit = factories.unit(ceremony.agency, "Bagian Umum")
    for number in range(3):
        factories.employee(ceremony.agency, unit=unit, nip=factories.nip(number + 1))
    ceremony.invite(Employee.objects.filter(agency=ceremony.agency))
    return list(Invitation.objects.filter(ceremony=ceremony).select_related("employee"))


def test_a_colleague_at_the_same_address_holds_a_nip_a_minute_at_most(
    client, redis_cache, ceremony, small_apel, rate_limit_clock
):
    victim = small_apel[0]
    for _ in range(5):
        assert apel_post(client, ceremony, victim.employee.nip, "WRONG1", APEL_ADDRESS).status_code == 200
    response = apel_post(client, ceremony, victim.employee.nip, victim.code, APEL_ADDRESS)
    assert response.status_code == 429
    assert refusal_sentences(response) == ["Terlalu banyak kode salah untuk NIP ini: tunggu 1 menit, lalu coba lagi."]
    # Everyone else at the apel goes on signing in.
    assert apel_post(client, ceremony, small_apel[1].employee.nip, small_apel[1].code, APEL_ADDRESS).status_code == 302
    rate_limit_clock.advance(60)
    assert apel_post(client, ceremony, victim.employee.nip, victim.code, APEL_ADDRESS).status_code == 302


def test_failures_with_many_nips_hold_an_address_a_minute_at_most(
    client, redis_cache, ceremony, small_apel, rate_limit_clock
):
    """The old limit let 300 failures with made-up NIPs refuse a whole office for 15 minutes."""
    for number in range(100):
        assert apel_post(client, ceremony, factories.nip(number + 5000), "WRONG1", APEL_ADDRESS).status_code == 200
    person = small_apel[0]
    response = apel_post(client, ceremony, person.employee.nip, person.code, APEL_ADDRESS)
    assert response.status_code == 429
    assert refusal_sentences(response) == [
        "Terlalu banyak percobaan yang gagal dari jaringan ini: tunggu 1 menit, lalu coba lagi."
    ]
    rate_limit_clock.advance(60)
    assert apel_post(client, ceremony, person.employee.nip, person.code, APEL_ADDRESS).status_code == 302


def test_guessing_one_code_from_many_addresses_is_slowed_not_locked(
    client, redis_cache, ceremony, small_apel, rate_limit_clock
):
    victim = small_apel[0]
    addresses = [f"198.51.100.{number + 1}" for number in range(6)]
    for address in addresses:
        for _ in range(5):
            assert apel_post(client, ceremony, victim.employee.nip, "WRONG1", address).status_code == 200
        # Each address gets five guesses a minute at this NIP.
        assert apel_post(client, ceremony, victim.employee.nip, "WRONG1", address).status_code == 429
    # Thirty a minute from everywhere: then the NIP waits out the minute, from anywhere…
    response = apel_post(client, ceremony, victim.employee.nip, victim.code, APEL_ADDRESS)
    assert response.status_code == 429
    assert refusal_sentences(response) == ["Terlalu banyak kode salah untuk NIP ini: tunggu 1 menit, lalu coba lagi."]
    # … (the personal link never waits) …
    assert client.get(reverse("pledges:sign", args=[victim.token]), REMOTE_ADDR=APEL_ADDRESS).status_code == 200
    # … and no longer.
    rate_limit_clock.advance(60)
    assert apel_post(client, ceremony, victim.employee.nip, victim.code, APEL_ADDRESS).status_code == 302


def test_a_refusal_says_its_sentence_once(client, redis_cache):
    for number in range(60):
        client.get(reverse("pledges:sign", args=[f"unknown-link-{number:06d}"]), REMOTE_ADDR="198.51.100.1")
    response = client.get(reverse("pledges:sign", args=["unknown-link-000999"]), REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert refusal_sentences(response) == [
        "Terlalu banyak percobaan dari jaringan ini: tunggu 1 menit, lalu coba lagi."
    ]


def test_an_invited_nip_and_an_unknown_one_cost_the_same(client, redis_cache, ceremony, small_apel):
    """A wrong code for an invited NIP and any code for a NIP nobody invited: the same
    queries (but for the NIP) and the same cache commands, so the time of the answer
    tells nobody whether a NIP is invited."""
    redis = redis_cache._cache.get_client(write=True)
    apel_post(client, ceremony, factories.nip(900), "WRONG1", APEL_ADDRESS)  # the address's counter exists for both
    work = {}
    for case, nip in (("invited", small_apel[0].employee.nip), ("unknown", factories.nip(901))):
        redis.config_resetstat()
        with CaptureQueriesContext(connection) as queries:
            response = apel_post(client, ceremony, nip, "WRONG1", APEL_ADDRESS)
        assert response.status_code == 200 and "tidak cocok" in response.content.decode()
        commands = {name: stats["calls"] for name, stats in redis.info("commandstats").items()}
        work[case] = ([query["sql"].replace(nip, "?") for query in queries.captured_queries], commands)
    assert work["invited"] == work["unknown"]
    assert any("incr" in name for name in work["unknown"][1]), "the failure was counted in Redis"
