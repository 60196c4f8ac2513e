"""After ``manage.py apply_retention`` destroys an apel's pacts, only their tombstones
(``pledges.DestroyedPact``) stay — but those people signed. Every page, figure and
reminder of the apel says so: "Dimusnahkan sesuai JRA" with the date where invitations
are listed with a status, counted as signed in the progress, never reminded."""

import csv
import datetime
import io
import re

import pdfplumber
import pytest
from django.core.management import call_command
from django.urls import reverse

from ceremonies import reminders
from ceremonies.models import Ceremony, Invitation
from inspektorat.queries import recap_rows
from netralitas.lib.dates import tanggal
from pledges.models import DestroyedPact, Signature
from tests import factories
from tests.api.conftest import bearer, make_token

pytestmark = pytest.mark.django_db

OLD = datetime.datetime(2019, 4, 10, 3, 0, tzinfo=datetime.UTC)  # an apel before Pemilu 2019


@pytest.fixture
def destroyed(world, sign, django_capture_on_commit_callbacks):
    """Agency A's apel of Pemilu 2019, in one unit: the first employee signed (pact since
    destroyed by the retention schedule), the second never did."""
    world.certify()
    pemilu = factories.election(
        name="Pemilihan Umum Tahun 2019", short_name="Pemilu 2019", kind="pemilu",
        voting_date=datetime.date(2019, 4, 17),
    )  # fmt: skip
    ceremony = factories.ceremony(world.agency_a, election=pemilu, starts_at=OLD, title="Apel Pemilu 2019")
    signer, never = world.employees_a[0], world.employees_a[1]
    never.phone, never.email = "6281234567890", "belum@contoh.go.id"
    never.save()
    world.signed = ceremony.invitations.create(employee=signer, unit=world.unit_a)
    world.never = ceremony.invitations.create(employee=never, unit=world.unit_a)
    code = sign(world.signed, pdf=True, now=OLD).display_code
    Ceremony.objects.filter(pk=ceremony.pk).update(
        status=Ceremony.Status.CLOSED, signing_closes_at=OLD + datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Signature.objects.filter(invitation=world.signed).exists()
    world.tomb = DestroyedPact.objects.get(invitation=world.signed)
    assert world.tomb.display_code == code
    world.old = Ceremony.objects.get(pk=ceremony.pk)
    world.destroyed_on = tanggal(world.tomb.destroyed_at, world.agency_a.time_zone)
    return world


def test_the_destroyed_pact_counts_as_signed_and_is_never_a_non_signer(destroyed):
    world, ceremony = destroyed, destroyed.old
    assert list(ceremony.invitations.unsigned()) == [world.never]
    assert list(ceremony.invitations.signed()) == [world.signed]
    _units, overall = ceremony.progress()
    assert (overall["invited"], overall["signed"], overall["unsigned"], overall["percent"]) == (2, 1, 1, 50)
    listed = Ceremony.objects.filter(pk=ceremony.pk).with_progress().get()
    assert (listed.invited_count, listed.signed_count) == (2, 1)
    # Reminders go to the one who never signed, never to the destroyed pact's signer.
    assert reminders.unit_message_invitations(ceremony, world.unit_a, 1) == [world.never.pk]
    (message,) = reminders.unit_messages(ceremony, world.unit_a)
    assert world.never.employee.name in message["text"] and world.signed.employee.name not in message["text"]
    assert list(reminders.email_recipients(ceremony, world.unit_a)) == [world.never]


def test_the_secretariat_pages_and_reminders_leave_the_destroyed_pact_alone(client, destroyed):
    world, ceremony = destroyed, destroyed.old
    client.force_login(world.operator_a)
    detail = client.get(reverse("ceremonies:detail", args=[ceremony.pk])).content.decode()
    assert "<strong>1</strong> dari 2 sudah menandatangani" in detail
    board = client.get(reverse("ceremonies:board_data", args=[ceremony.pk]))
    assert board.context["overall"]["signed"] == 1 and board.context["overall"]["unsigned"] == 1
    unsigned = client.get(reverse("ceremonies:unsigned", args=[ceremony.pk])).content.decode()
    assert world.never.employee.name in unsigned and world.signed.employee.name not in unsigned
    # A WhatsApp reminder to the destroyed pact's signer: "already signed", nothing recorded.
    response = client.post(reverse("ceremonies:remind_whatsapp", args=[ceremony.pk, world.signed.pk]))
    assert response.status_code == 302 and not world.signed.reminders.exists()
    response = client.post(reverse("ceremonies:remind_whatsapp", args=[ceremony.pk, world.never.pk]))
    assert response["Location"].startswith("https://wa.me/") and world.never.reminders.count() == 1
    assert reminders.reminded_counts(ceremony) == {"reminded": 1, "signed": 0}


def test_the_invitation_export_says_destroyed_with_the_date(client, destroyed, started_job):
    world, ceremony = destroyed, destroyed.old
    client.force_login(world.operator_a)
    _job, content = started_job(reverse("ceremonies:invitations_export", args=[ceremony.pk, "csv"]))
    rows = {row["Nama"]: row for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))}
    gone, never = rows[world.signed.employee.name], rows[world.never.employee.name]
    assert gone["Status"] == f"Dimusnahkan sesuai JRA, {world.destroyed_on}"
    assert gone["Waktu tanda tangan"] == "2019-04-10 10:00:00 WIB"
    assert gone["Kode verifikasi"] == world.tomb.display_code
    assert (never["Status"], never["Waktu tanda tangan"], never["Kode verifikasi"]) == ("Belum", "", "")


def test_the_inspektorat_lists_it_as_destroyed_with_the_date_and_code(client, destroyed):
    world, ceremony = destroyed, destroyed.old
    client.force_login(world.auditor_a)
    url = reverse("inspektorat:ceremony", args=[ceremony.pk])
    page = client.get(url)
    (row,) = [row for row in page.context["page"] if row.pk == world.signed.pk]
    html = page.content.decode()
    assert f"Dimusnahkan sesuai JRA, {world.destroyed_on}" in html and world.tomb.display_code in html
    assert row.pact_destroyed_at == world.tomb.destroyed_at
    # The status filter: signed ("sudah") includes it, not signed ("belum") does not.
    assert [row.pk for row in client.get(url, {"status": "sudah"}).context["page"]] == [world.signed.pk]
    assert [row.pk for row in client.get(url, {"status": "belum"}).context["page"]] == [world.never.pk]
    # The recap (PDF, xlsx, csv): signed, the tombstone's time and code, the status saying so.
    rows = {row["name"]: row for row in recap_rows(ceremony.invitations.all(), world.agency_a)}
    gone, never = rows[world.signed.employee.name], rows[world.never.employee.name]
    assert gone["signed"] and gone["status"] == f"Dimusnahkan sesuai JRA, {world.destroyed_on}"
    assert gone["verification_code"] == world.tomb.display_code and gone["signed_at"].startswith("10 April 2019")
    assert (never["signed"], never["status"]) == (False, "Belum")


def test_the_recap_pdf_says_signed_and_destroyed_with_the_date(destroyed, tmp_path):
    from inspektorat.recap import Signer, write_recap

    world, ceremony = destroyed, destroyed.old
    path = tmp_path / "rekap.pdf"
    write_recap(path, ceremony, signer=Signer(name="Inspektur", position="Inspektur Kota"), printed_by="uji")
    with pdfplumber.open(path) as pdf:
        text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    assert f"Sudah 10 April 2019, 10.00 Dimusnahkan sesuai JRA, {world.destroyed_on}" in text
    assert re.search(r"Jumlah 2 1 1 50", text)


def test_the_api_says_signed_and_destroyed(client, destroyed):
    world, ceremony = destroyed, destroyed.old
    token = make_token("Dasbor A", agency=world.agency_a)
    url = reverse("api:invitations")
    body = client.get(url, {"ceremony": ceremony.pk}, **bearer(token)).json()
    by_id = {row["id"]: row for row in body["results"]}
    gone, never = by_id[world.signed.pk], by_id[world.never.pk]
    assert gone["signed"] is True and gone["signature"] is None
    assert gone["signed_at"].startswith("2019-04-10") and gone["pact_destroyed_at"] is not None
    assert never["signed"] is False and never["pact_destroyed_at"] is None
    sudah = client.get(url, {"ceremony": ceremony.pk, "status": "sudah"}, **bearer(token)).json()["results"]
    belum = client.get(url, {"ceremony": ceremony.pk, "status": "belum"}, **bearer(token)).json()["results"]
    assert [row["id"] for row in sudah] == [world.signed.pk] and [row["id"] for row in belum] == [world.never.pk]
    progress = client.get(reverse("api:ceremony_progress", args=[ceremony.pk]), **bearer(token)).json()
    assert progress["overall"]["signed"] == 1 and progress["overall"]["unsigned"] == 1
    assert Invitation.objects.filter(ceremony=ceremony).count() == 2
