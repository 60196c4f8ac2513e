"""The secretariat's apel pages: who may use them, and what they do."""

import datetime
import io
import subprocess
import zoneinfo

import openpyxl
import pdfplumber
import pypdfium2
import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from ceremonies.models import Ceremony, Invitation
from pledges.services import signature_create
from pledges.signature_image import clean_signature_image
from tests import factories

pytestmark = pytest.mark.django_db


def ceremony_urls(ceremony):
    pk = ceremony.pk
    return [
        ("get", reverse("ceremonies:detail", args=[pk])),
        ("get", reverse("ceremonies:edit", args=[pk])),
        ("get", reverse("ceremonies:invite", args=[pk])),
        ("get", reverse("ceremonies:board", args=[pk])),
        ("get", reverse("ceremonies:board_data", args=[pk])),
        ("get", reverse("ceremonies:unsigned", args=[pk])),
        ("get", reverse("ceremonies:poster", args=[pk])),
        ("post", reverse("ceremonies:link_sheets", args=[pk])),
        ("post", reverse("ceremonies:invitations_export", args=[pk, "csv"])),
        ("post", reverse("ceremonies:set_status", args=[pk, "closed"])),
        ("post", reverse("ceremonies:invite", args=[pk])),
    ]


def test_other_agencys_ceremony_is_a_404_everywhere(client, world):
    """The shared matrix (tests/test_access.py) checks every status; here, that the
    refused POSTs changed nothing."""
    client.force_login(world.operator_a)
    for method, url in ceremony_urls(world.ceremony_b):
        assert getattr(client, method)(url).status_code == 404, url
    world.ceremony_b.refresh_from_db()
    assert world.ceremony_b.status == Ceremony.Status.OPEN
    assert world.ceremony_b.invitations.count() == 2


def test_index_lists_only_own_ceremonies_with_progress(client, world):
    client.force_login(world.operator_a)
    html = client.get(reverse("ceremonies:index")).content.decode()
    assert "Apel Netralitas Bukittinggi" in html
    assert "Apel Netralitas Bandung" not in html
    assert "0 dari 4" in html


def test_create_ceremony_in_the_agency_time_zone(client, world):
    world.certify()  # signing opens only for an agency that can seal
    world.agency_a.time_zone = "Asia/Makassar"  # WITA
    world.agency_a.save()
    client.force_login(world.operator_a)
    pact = world.ceremony_a.pact_template
    response = client.post(
        reverse("ceremonies:create"),
        {
            "title": "Apel Pilkada",
            "election": world.ceremony_a.election_id,
            "pact_template": pact.pk,
            "starts_at": "2024-09-26T08:00",
            "place": "Halaman Kantor Wali Kota",
            "leader": "Pj Wali Kota",
            "witnesses": "KPU Kota\nBawaslu Kota",
            "signing_opens_at": "2024-09-26T08:30",
            "signing_closes_at": "2024-09-26T12:00",
        },
    )
    ceremony = Ceremony.objects.get(title="Apel Pilkada")
    assert response["Location"] == ceremony.get_absolute_url()
    assert ceremony.agency == world.agency_a
    assert ceremony.created_by == world.operator_a
    assert ceremony.starts_at == datetime.datetime(2024, 9, 26, 8, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Makassar"))
    assert ceremony.witness_list() == ["KPU Kota", "Bawaslu Kota"]
    assert AuditEvent.objects.filter(action="create", object_id=str(ceremony.pk), agency=world.agency_a).exists()
    html = client.get(ceremony.get_absolute_url()).content.decode()
    assert "26 September 2024, 08.00 WITA" in html


def test_window_must_end_after_it_starts(client, world):
    world.certify()  # otherwise the window is refused first: the agency could not seal
    client.force_login(world.operator_a)
    response = client.post(
        reverse("ceremonies:edit", args=[world.ceremony_a.pk]),
        {
            "title": "x",
            "election": world.ceremony_a.election_id,
            "pact_template": world.ceremony_a.pact_template_id,
            "starts_at": "2024-09-26T08:00",
            "place": "x",
            "leader": "x",
            "signing_opens_at": "2024-09-26T12:00",
            "signing_closes_at": "2024-09-26T08:00",
        },
    )
    assert response.status_code == 200
    assert "Waktu tutup harus sesudah waktu buka" in response.content.decode()


def test_pact_version_is_locked_once_signed(client, world, signature_data_url):
    invitation = world.invitations_a[0]
    signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=clean_signature_image(signature_data_url),
        method="link",
    )
    newer = world.ceremony_a.pact_template.new_version()
    newer.save()
    client.force_login(world.operator_a)
    form = client.get(reverse("ceremonies:edit", args=[world.ceremony_a.pk])).context["form"]
    assert form.fields["pact_template"].disabled


def test_open_and_close_by_hand(client, world):
    world.certify()  # signing opens only for an agency that can seal
    client.force_login(world.operator_a)
    client.post(reverse("ceremonies:set_status", args=[world.ceremony_a.pk, "closed"]))
    world.ceremony_a.refresh_from_db()
    assert world.ceremony_a.signing_state() == Ceremony.SigningState.CLOSED
    client.post(reverse("ceremonies:set_status", args=[world.ceremony_a.pk, "open"]))
    world.ceremony_a.refresh_from_db()
    assert world.ceremony_a.signing_state() == Ceremony.SigningState.OPEN
    assert list(AuditEvent.objects.filter(agency=world.agency_a).values_list("action", flat=True)) == ["open", "close"]
    assert client.post(reverse("ceremonies:set_status", args=[world.ceremony_a.pk, "deleted"])).status_code == 404


def test_reopening_after_the_window_clears_its_end(client, world):
    world.certify()  # signing opens only for an agency that can seal
    Ceremony.objects.filter(pk=world.ceremony_a.pk).update(
        status=Ceremony.Status.SCHEDULED,
        signing_opens_at=timezone.now() - datetime.timedelta(hours=3),
        signing_closes_at=timezone.now() - datetime.timedelta(hours=1),
    )
    client.force_login(world.operator_a)
    client.post(reverse("ceremonies:set_status", args=[world.ceremony_a.pk, "open"]))
    world.ceremony_a.refresh_from_db()
    assert world.ceremony_a.signing_state() == Ceremony.SigningState.OPEN


def test_invite_units_with_subunits_is_idempotent(client, world):
    ceremony = factories.ceremony(world.agency_a)
    inactive = factories.employee(world.agency_a, unit=world.unit_a, is_active=False)
    client.force_login(world.operator_a)
    url = reverse("ceremonies:invite", args=[ceremony.pk])
    client.post(url, {"invite_units": "1", "units": [world.unit_a.pk], "include_subunits": "on"})
    assert ceremony.invitations.count() == 4  # 3 in the unit, 1 in its sub-unit; not the inactive one
    assert not ceremony.invitations.filter(employee=inactive).exists()
    response = client.post(
        url, {"invite_units": "1", "units": [world.unit_a.pk], "include_subunits": "on"}, follow=True
    )
    assert ceremony.invitations.count() == 4
    assert "0 undangan baru (4 sudah diundang sebelumnya)" in response.content.decode()


def test_invite_unit_without_subunits(client, world):
    ceremony = factories.ceremony(world.agency_a)
    client.force_login(world.operator_a)
    client.post(reverse("ceremonies:invite", args=[ceremony.pk]), {"invite_units": "1", "units": [world.unit_a.pk]})
    assert ceremony.invitations.count() == 3


def test_invite_picked_employees_and_refuse_foreign_ones(client, world):
    ceremony = factories.ceremony(world.agency_a)
    client.force_login(world.operator_a)
    url = reverse("ceremonies:invite", args=[ceremony.pk])
    html = client.get(url, {"q": world.employees_a[0].name}).content.decode()
    assert world.employees_a[0].name in html
    client.post(url, {"invite_employees": "1", "employees": [world.employees_a[0].pk]})
    assert list(ceremony.invitations.values_list("employee", flat=True)) == [world.employees_a[0].pk]
    response = client.post(url, {"invite_employees": "1", "employees": [world.employees_b[0].pk]})
    assert response.status_code == 200
    assert "pilihan yang valid" in response.content.decode()  # shown as an error, nothing stored
    assert ceremony.invitations.count() == 1


def test_bulk_invitation_of_ten_thousand(world):
    from roster.models import Employee

    unit = factories.unit(world.agency_a, "Dinas Pendidikan")
    Employee.objects.bulk_create(
        [
            Employee(agency=world.agency_a, unit=unit, nip=factories.nip(100_000 + n), name=f"Guru {n}")
            for n in range(10_000)
        ]
    )
    ceremony = factories.ceremony(world.agency_a)
    employees = Employee.objects.filter(agency=world.agency_a, unit=unit)
    assert ceremony.invite(employees) == 10_000
    assert ceremony.invite(employees) == 0
    assert ceremony.invitations.count() == 10_000
    assert ceremony.invitations.values("token").distinct().count() == 10_000
    assert ceremony.invite(Employee.objects.filter(agency=world.agency_b)) == 0  # another agency's: never


def sign(invitation, data_url):
    signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=clean_signature_image(data_url),
        method="link",
    )


def test_board_numbers_and_constant_queries(client, world, signature_data_url, django_assert_max_num_queries):
    client.force_login(world.operator_a)
    sign(world.invitations_a[0], signature_data_url)
    url = reverse("ceremonies:board_data", args=[world.ceremony_a.pk])
    html = client.get(url).content.decode()
    assert 'id="board-signed">1<' in html
    assert 'id="board-invited">4<' in html
    assert "Sekretariat Daerah" in html and "Bagian Umum" in html

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    # Thousands more invitations and signatures: the same number of queries.
    from roster.models import Employee

    unit = factories.unit(world.agency_a, "Dinas Kesehatan")
    Employee.objects.bulk_create(
        [Employee(agency=world.agency_a, unit=unit, nip=factories.nip(50_000 + n), name=f"P {n}") for n in range(3000)]
    )
    world.ceremony_a.invite(Employee.objects.filter(unit=unit))
    for invitation in Invitation.objects.filter(ceremony=world.ceremony_a, unit=unit)[:5]:
        sign(invitation, signature_data_url)
    with CaptureQueriesContext(connection) as large:
        html = client.get(url).content.decode()
    assert len(large) == len(small)
    assert 'id="board-signed">6<' in html
    assert 'id="board-invited">3004<' in html


def test_board_page_polls_without_inline_script(client, world):
    client.force_login(world.operator_a)
    html = client.get(reverse("ceremonies:board", args=[world.ceremony_a.pk])).content.decode()
    assert 'hx-get="' + reverse("ceremonies:board_data", args=[world.ceremony_a.pk]) in html
    assert 'hx-trigger="every 4s"' in html
    assert "htmx.min.js" in html
    assert "<script>" not in html


def test_unsigned_list_per_unit(client, world, signature_data_url):
    sign(world.invitations_a[0], signature_data_url)
    client.force_login(world.operator_a)
    url = reverse("ceremonies:unsigned", args=[world.ceremony_a.pk])
    html = client.get(url).content.decode()
    assert world.employees_a[0].name not in html
    for employee in world.employees_a[1:]:
        assert employee.name in html
    html = client.get(url, {"unit": world.subunit_a.pk}).content.decode()
    assert world.employees_a[3].name in html
    assert world.employees_a[1].name not in html


def pdf_text(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() for page in pdf.pages), len(pdf.pages)


def test_poster_reads_back(client, world):
    client.force_login(world.operator_a)
    response = client.get(reverse("ceremonies:poster", args=[world.ceremony_a.pk]))
    assert response["Content-Type"] == "application/pdf"
    text, pages = pdf_text(response.content)
    assert pages == 1
    assert "PAKTA INTEGRITAS NETRALITAS ASN" in text
    assert "Apel Netralitas Bukittinggi" in text
    assert "Lapangan Balai Kota" in text
    assert world.ceremony_a.apel_token in text.replace("\n", "")
    assert AuditEvent.objects.filter(action="download", description__startswith="Poster QR apel").exists()


def test_link_sheets_read_back_per_unit(client, world, started_job, tmp_path):
    client.force_login(world.operator_a)
    url = reverse("ceremonies:link_sheets", args=[world.ceremony_a.pk])
    job, data = started_job(url, {"unit": world.subunit_a.pk})
    # The QR code (drawn as vector rectangles) scans to the personal link.
    image = tmp_path / "sheet.png"
    pypdfium2.PdfDocument(data)[0].render(scale=3).to_pil().save(image)
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=False)
    assert scanned.stdout.strip() == world.invitations_a[3].public_url
    text, pages = pdf_text(data)
    flat = text.replace("\n", " ")
    invitation = world.invitations_a[3]
    assert invitation.employee.name in flat
    assert invitation.code in flat
    assert invitation.token in text.replace("\n", "")
    assert world.employees_a[0].name not in flat  # another unit
    assert job.result["invitations"] == 1 and job.result["pages"] == 1
    assert client.post(url, {"unit": world.unit_b.pk}).status_code == 404
    assert AuditEvent.objects.filter(action="download", description__contains="Lembar tautan pribadi").count() == 1


def test_link_sheets_for_many_invitees_paginate(client, world, started_job, monkeypatch):
    """Drawn in parts (here of one page each) and joined: every card, in order."""
    from roster.models import Employee

    monkeypatch.setattr("ceremonies.printables.PART_PAGES", 1)
    Employee.objects.bulk_create(
        [
            Employee(agency=world.agency_a, unit=world.unit_a, nip=factories.nip(70_000 + n), name=f"N {n}")
            for n in range(20)
        ]
    )
    world.ceremony_a.invite(Employee.objects.filter(agency=world.agency_a))
    client.force_login(world.operator_a)
    job, data = started_job(reverse("ceremonies:link_sheets", args=[world.ceremony_a.pk]))
    text, pages = pdf_text(data)
    assert pages == 3  # 24 cards, 8 per page
    assert "N 19" in text and text.index("N 0") < text.index("N 19")
    assert "Lembar 3" in text
    assert (job.done, job.total) == (24, 24)


def test_invitation_export_escapes_formulas(client, world, signature_data_url, started_job):
    employee = world.employees_a[0]
    employee.name = "=cmd|' /C calc'!A0"
    employee.position = "@SUM(1+1)"
    employee.save()
    sign(world.invitations_a[0], signature_data_url)
    client.force_login(world.operator_a)
    _job, data = started_job(reverse("ceremonies:invitations_export", args=[world.ceremony_a.pk, "csv"]))
    csv_text = data.decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in csv_text
    assert "'@SUM(1+1)" in csv_text
    assert ",=" not in csv_text and ",@" not in csv_text
    _job, data = started_job(reverse("ceremonies:invitations_export", args=[world.ceremony_a.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "NIP / NIK"
    assert len(rows) == 5
    signed_row = next(row for row in rows if row[1] == "'=cmd|' /C calc'!A0")
    assert signed_row[6] == "Sudah"
    assert signed_row[7].endswith("WIB")
    assert signed_row[0] == employee.nip  # all 18 digits, as text
    url = reverse("ceremonies:invitations_export", args=[world.ceremony_a.pk, "pdf"])
    assert client.post(url).status_code == 404


def test_trail_descriptions_stay_indonesian_whatever_the_page_language(client, world):
    client.force_login(world.operator_a)
    client.post(reverse("ceremonies:set_status", args=[world.ceremony_a.pk, "closed"]), HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("roster:units"), {"names": "Dinas Baru"}, HTTP_ACCEPT_LANGUAGE="en")
    unit = world.agency_a.units.get(name="Dinas Baru")
    client.post(reverse("roster:unit_edit", args=[unit.pk]), {"name": "Dinas Baru Sekali"}, HTTP_ACCEPT_LANGUAGE="en")
    descriptions = list(AuditEvent.objects.order_by("id").values_list("description", flat=True))
    assert descriptions == [
        "Apel “Apel Netralitas Bukittinggi”",
        "Unit baru: Dinas Baru",
        "Unit Dinas Baru Sekali",
    ]
