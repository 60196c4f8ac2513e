"""The audit trail: append-only, filtered by action, user, agency, words and dates,
its times in each event's agency's zone, exported as csv/xlsx (formula-safe), and its
own exports recorded."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.log import Bulk, record
from audit.models import AuditEvent
from roster.models import Unit

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def event_at(monkeypatch, moment, *, user, agency, action=AuditEvent.Action.VIEW, description="Catatan uji"):
    """An event written at ``moment`` (the trail's time is set by the database write)."""
    monkeypatch.setattr(timezone, "now", lambda: moment)
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = user
    event = record(request, action, Bulk(agency, Unit), description)
    monkeypatch.undo()
    return event


def _request(user):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = user
    return request


@pytest.fixture
def events(world, monkeypatch):
    """Events on both sides of midnight WIB (17:00 UTC), by several users and agencies."""
    return {
        "late_25th": event_at(
            monkeypatch,
            datetime.datetime(2024, 9, 25, 16, 59, tzinfo=UTC),  # 23.59 WIB on the 25th
            user=world.operator_a,
            agency=world.agency_a,
            action=AuditEvent.Action.UPDATE,
            description="Mengubah unit Sekretariat Daerah",
        ),
        "early_26th": event_at(
            monkeypatch,
            datetime.datetime(2024, 9, 25, 17, 30, tzinfo=UTC),  # 00.30 WIB on the 26th
            user=world.auditor_a,
            agency=world.agency_a,
            action=AuditEvent.Action.DOWNLOAD,
            description="Mengunduh ZIP pakta apel",
        ),
        "late_26th": event_at(
            monkeypatch,
            datetime.datetime(2024, 9, 26, 16, 0, tzinfo=UTC),  # 23.00 WIB on the 26th
            user=world.auditor_ab,
            agency=world.agency_a,
            description='=HYPERLINK("http://x") membuka apel',
        ),
        "bandung": event_at(
            monkeypatch,
            datetime.datetime(2024, 9, 26, 3, 0, tzinfo=UTC),
            user=world.operator_b,
            agency=world.agency_b,
            action=AuditEvent.Action.IMPORT,
            description="Mengimpor pegawai Bandung",
        ),
    }


def shown(client, **params):
    response = client.get(reverse("inspektorat:trail"), params)
    assert response.status_code == 200
    return [event.pk for event in response.context["page"]]


def test_filters(client, world, events):
    client.force_login(world.auditor_ab)
    e = {name: event.pk for name, event in events.items()}
    assert shown(client) == [e["late_26th"], e["bandung"], e["early_26th"], e["late_25th"]]  # newest first
    assert shown(client, action="download") == [e["early_26th"]]
    assert shown(client, user="AUDITOR") == [e["late_26th"], e["early_26th"]]
    assert shown(client, agency=world.agency_b.pk) == [e["bandung"]]
    assert shown(client, q="zip pakta") == [e["early_26th"]]
    # Days are WIB days: 00.30 WIB on the 26th is the 26th, 23.59 WIB on the 25th is not.
    assert shown(client, since="2024-09-26", until="2024-09-26") == [e["late_26th"], e["bandung"], e["early_26th"]]
    assert shown(client, until="2024-09-25") == [e["late_25th"]]
    assert shown(client, since="2024-09-27") == []


def test_times_are_shown_in_wib(client, world, events):
    client.force_login(world.auditor_a)
    page = client.get(reverse("inspektorat:trail")).content.decode()
    assert "2024-09-26 00:30:00" in page  # 17:30 UTC
    assert "2024-09-25 23:59:00" in page
    assert "10.1.2.3" in page


def test_times_are_each_in_their_own_agencys_zone_on_the_page_in_the_filter_and_the_export(
    client, world, events, monkeypatch, started_job
):
    """Bandung set to WITA for the test: an auditor of both reads each event in its
    agency's zone — a WITA agency's people see the times they lived."""
    world.agency_b.time_zone = "Asia/Makassar"
    world.agency_b.save()
    near_midnight = event_at(
        monkeypatch,
        datetime.datetime(2024, 9, 25, 16, 30, tzinfo=UTC),  # 23.30 WIB on the 25th, 00.30 WITA on the 26th
        user=world.operator_b,
        agency=world.agency_b,
        description="Mengubah unit Bandung",
    )
    client.force_login(world.auditor_ab)
    page = client.get(reverse("inspektorat:trail")).content.decode()
    assert "2024-09-26 11:00:00 WITA" in page  # 03:00 UTC
    assert "2024-09-26 00:30:00 WITA" in page  # 16:30 UTC
    assert "2024-09-26 00:30:00 WIB" in page  # agency A's event at 17:30 UTC
    assert "2024-09-25 23:59:00 WIB" in page
    assert "10:00:00" not in page and "23:30:00" not in page  # no WIB reading of Bandung's events
    assert "Waktu (WIB)" not in page and "Waktu dalam WIB" not in page

    # A day is each event's own agency's day.
    e = {name: event.pk for name, event in events.items()}
    assert shown(client, since="2024-09-26", until="2024-09-26") == [
        e["late_26th"],
        e["bandung"],
        e["early_26th"],
        near_midnight.pk,
    ]
    assert shown(client, until="2024-09-25") == [e["late_25th"]]

    _job, data = started_job(reverse("inspektorat:trail_export", args=["csv"]), {"since": "2024-09-26"})
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(row["Instansi"], row["Waktu"]) for row in rows] == [
        (world.agency_a.name, "2024-09-26 23:00:00 WIB"),
        (world.agency_b.name, "2024-09-26 11:00:00 WITA"),
        (world.agency_a.name, "2024-09-26 00:30:00 WIB"),
        (world.agency_b.name, "2024-09-26 00:30:00 WITA"),
    ]


def test_paginated(client, world, monkeypatch):
    for number in range(55):
        event_at(
            monkeypatch,
            datetime.datetime(2024, 9, 26, 1, number, tzinfo=UTC),
            user=world.auditor_a,
            agency=world.agency_a,
            description=f"Catatan {number}",
        )
    client.force_login(world.auditor_a)
    first = client.get(reverse("inspektorat:trail"))
    assert len(first.context["page"]) == 50
    assert len(client.get(reverse("inspektorat:trail"), {"halaman": 2}).context["page"]) == 5


def test_csv_export_is_filtered_escaped_and_recorded(client, world, events, started_job):
    client.force_login(world.auditor_a)
    job, data = started_job(reverse("inspektorat:trail_export", args=["csv"]), {"since": "2024-09-26"})
    assert job.filename == "jejak-audit.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row["Keterangan"] for row in rows] == ['\'=HYPERLINK("http://x") membuka apel', "Mengunduh ZIP pakta apel"]
    assert rows[1]["Waktu"] == "2024-09-26 00:30:00 WIB"
    assert rows[1]["Tindakan"] == "Mengunduh" and rows[1]["Instansi"] == world.agency_a.name
    assert {row["Jenis objek"] for row in rows} == {"unit kerja"}  # as people say it, not "unit"
    # The export is itself in the trail, for the one agency auditor_a supervises.
    export = AuditEvent.objects.order_by("-id").first()
    assert (export.action, export.username, export.agency) == (AuditEvent.Action.DOWNLOAD, "auditor_a", world.agency_a)
    assert "(2 baris)" in export.description and "since=2024-09-26" in export.description
    pact = record(_request(world.auditor_a), AuditEvent.Action.VIEW, world.ceremony_a, "Catatan apel satu")
    _job, data = started_job(reverse("inspektorat:trail_export", args=["csv"]), {"q": "Catatan apel satu"})
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(row["Jenis objek"], row["Id objek"]) for row in rows] == [("apel", pact.object_id)]


def test_export_by_an_auditor_of_two_agencies_is_recorded_for_both(client, world, events, started_job):
    client.force_login(world.auditor_ab)
    _job, data = started_job(reverse("inspektorat:trail_export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Jejak audit"
    assert sheet.max_row == 1 + 4
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    exports = AuditEvent.objects.filter(username="auditor_ab", action=AuditEvent.Action.DOWNLOAD)
    assert {event.agency for event in exports} == {world.agency_a, world.agency_b}


def test_nobody_can_change_or_delete_the_trail(client, world, events):
    event = events["early_26th"]
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(description="dihapus jejaknya")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.description == "Mengunduh ZIP pakta apel"
    # Not from the pages either: they answer GET only, even for an admin.
    client.force_login(world.admin)
    assert client.post(reverse("inspektorat:trail"), {"description": "x"}).status_code == 405
    # And the admin site offers no change or delete.
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    assert client.post(change, {"description": "x"}).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
