"""Dates a person can have meant: an apel between 2000 and 2099 with a signing
window that fits it, trail filters in the same bounds — and an apel stored with an
impossible date before these rules is repaired by the migration, not left to break
every page."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from ceremonies.models import Ceremony

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


@pytest.fixture
def world(world):
    """The two-agency world whose agencies can seal: an apel form may schedule a
    signing window only then (issue 12), and these tests are about dates."""
    return world.certify()


def ceremony_post(world, **changes):
    data = {
        "title": "Apel Pilkada",
        "election": world.ceremony_a.election_id,
        "pact_template": world.ceremony_a.pact_template_id,
        "starts_at": "2024-09-26T08:00",
        "place": "Halaman Kantor Wali Kota",
        "leader": "Pj Wali Kota",
        "signing_opens_at": "",
        "signing_closes_at": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_at": "0001-01-01T00:00"}, "Tanggal harus antara 1 Januari 2000 dan 31 Desember 2099"),
        ({"starts_at": "9999-12-31T23:59"}, "Tanggal harus antara 1 Januari 2000 dan 31 Desember 2099"),
        ({"signing_closes_at": "0001-01-01T00:00"}, "Tanggal harus antara"),
        ({"signing_closes_at": "2024-09-26T07:00"}, "Penandatanganan harus ditutup sesudah waktu apel"),
        ({"signing_opens_at": "2024-06-01T08:00"}, "paling awal 30 hari sebelum apel"),
        ({"signing_closes_at": "2026-01-01T08:00"}, "paling lambat satu tahun sesudah apel"),
        (
            {"signing_opens_at": "2024-09-26T12:00", "signing_closes_at": "2024-09-26T09:00"},
            "Waktu tutup harus sesudah waktu buka",
        ),
    ],
)
def test_impossible_dates_are_refused_and_nothing_is_stored(client, world, changes, message):
    client.force_login(world.operator_a)
    response = client.post(reverse("ceremonies:create"), ceremony_post(world, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Ceremony.objects.filter(title="Apel Pilkada").exists()


def test_a_window_that_fits_the_apel_is_stored(client, world):
    client.force_login(world.operator_a)
    data = ceremony_post(world, signing_opens_at="2024-09-20T08:00", signing_closes_at="2024-10-26T08:00")
    assert client.post(reverse("ceremonies:create"), data).status_code == 302
    assert Ceremony.objects.filter(title="Apel Pilkada").exists()


@pytest.mark.parametrize("query", [{"until": "9999-12-31"}, {"since": "0001-01-01"}, {"q": "\x00", "user": "²"}])
def test_trail_filters_out_of_range_are_reported_and_ignored(client, world, started_job, query):
    client.force_login(world.auditor_a)
    response = client.get(reverse("inspektorat:trail"), query)
    assert response.status_code == 200
    if "until" in query or "since" in query:
        assert "Tanggal harus antara" in response.content.decode()
    # The export (a job) ignores them the same way and ends well.
    job, body = started_job(reverse("inspektorat:trail_export", args=["csv"]), query)
    assert body.startswith("\ufeff".encode())


@pytest.mark.django_db(transaction=True)
def test_the_migration_repairs_an_apel_stored_with_an_impossible_date(world):
    """Migrate back to before the bounds, store what the audit stored (year 1), and
    migrate forward: the apel is moved to the nearest bound, its impossible signing
    time dropped, and every page can show it again."""
    executor = MigrationExecutor(connection)
    executor.migrate([("ceremonies", "0002_initial")])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ceremonies_ceremony SET starts_at = %s, signing_closes_at = %s WHERE id = %s",
            ["0001-01-01 00:00:00", "9999-12-31 00:00:00", world.ceremony_a.pk],
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # Every app forward again: going back unapplied the migrations that depend on ceremonies
    # (pledges' retention guards, privacy), which the tests after this one need.
    executor.migrate(executor.loader.graph.leaf_nodes())
    ceremony = Ceremony.objects.get(pk=world.ceremony_a.pk)
    assert ceremony.starts_at == datetime.datetime(2000, 1, 1, tzinfo=UTC)
    assert ceremony.signing_closes_at is None
