"""Reminding one unit's non-signers from "Yang belum menandatangani": a WhatsApp
message per person, one for the unit head, a printed reminder sheet and emails
(through a real SMTP server on loopback) — each recorded, and counted on the board."""

import io
import re
from email.header import decode_header, make_header
from urllib.parse import parse_qs, urlsplit

import pdfplumber
import pytest
from django.urls import reverse

from audit.models import AuditEvent
from ceremonies.models import Reminder
from ceremonies.reminders import UNIT_MESSAGE_PEOPLE
from jobs.models import Job
from pledges.services import signature_create
from pledges.signature_image import clean_signature_image
from roster.models import Employee
from tests import factories

pytestmark = pytest.mark.django_db
BASE = "https://netralitas.example.go.id"


@pytest.fixture
def reminders_world(world, settings, signature_data_url):
    """Agency A's apel: the first invitation signed; in Sekretariat Daerah two
    non-signers, one with a phone and an email, one with nothing; in Bagian Umum one."""
    settings.PUBLIC_BASE_URL = BASE
    signature_create(
        invitation=world.invitations_a[0],
        shown=factories.shown(world.invitations_a[0]),
        image_png=clean_signature_image(signature_data_url),
        method="link",
    )
    Employee.objects.filter(pk=world.employees_a[1].pk).update(phone="6281234567890", email="satu@example.go.id")
    Employee.objects.filter(pk=world.employees_a[3].pk).update(email="empat@example.go.id")
    for invitation in world.invitations_a:
        invitation.employee.refresh_from_db()
    return world


def unsigned_url(world, **query):
    url = reverse("ceremonies:unsigned", args=[world.ceremony_a.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_whatsapp_to_one_person_is_recorded_then_opens_wa_me(client, reminders_world):
    world = reminders_world
    client.force_login(world.operator_a)
    html = client.get(unsigned_url(world)).content.decode()
    assert "0812-3456-7890" in html and "satu@example.go.id" in html  # the operator's page: in full

    invitation = world.invitations_a[1]
    url = reverse("ceremonies:remind_whatsapp", args=[world.ceremony_a.pk, invitation.pk])
    response = client.post(url)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "wa.me", "/6281234567890")
    text = parse_qs(target.query)["text"][0]
    assert invitation.employee.name in text and "Apel Netralitas Bukittinggi" in text
    assert f"{BASE}/t/{invitation.token}/" in text and "belum menandatanganinya" in text
    assert Reminder.objects.get().channel == "whatsapp"
    event = AuditEvent.objects.get(action="remind")
    assert event.object_type == "invitation" and event.agency_id == world.agency_a.pk
    assert "0812*****890" in event.description and "81234567890" not in event.description

    # Without a number WhatsApp asks whom to send it to.
    response = client.post(reverse("ceremonies:remind_whatsapp", args=[world.ceremony_a.pk, world.invitations_a[2].pk]))
    assert response["Location"].startswith("https://wa.me/?text=")
    # Somebody who signed needs no reminder; another apel's invitation is not found here.
    signed = reverse("ceremonies:remind_whatsapp", args=[world.ceremony_a.pk, world.invitations_a[0].pk])
    assert client.post(signed)["Location"] == reverse("ceremonies:unsigned", args=[world.ceremony_a.pk])
    foreign = reverse("ceremonies:remind_whatsapp", args=[world.ceremony_a.pk, world.invitations_b[0].pk])
    assert client.post(foreign).status_code == 404
    assert client.get(url).status_code == 405
    assert Reminder.objects.count() == 2

    html = client.get(reverse("ceremonies:board_data", args=[world.ceremony_a.pk])).content.decode()
    assert re.search(r"Diingatkan: <strong>2</strong> pegawai, 0 di antaranya", html)
    assert "diingatkan 1×" in client.get(unsigned_url(world)).content.decode()


def test_the_unit_head_message_lists_the_units_non_signers_with_their_links(client, reminders_world):
    world = reminders_world
    client.force_login(world.operator_a)
    html = client.get(unsigned_url(world, unit=world.unit_a.pk)).content.decode()
    message = re.search(r'<textarea[^>]*id="unit-message-1"[^>]*>(.*?)</textarea>', html, re.S)[1]
    assert "Yth. Kepala Sekretariat Daerah" in message
    for invitation in world.invitations_a[1:3]:
        assert invitation.employee.name in message and f"{BASE}/t/{invitation.token}/" in message
    assert world.invitations_a[0].employee.name not in message  # signed
    assert world.invitations_a[3].employee.name not in message  # another unit

    url = reverse("ceremonies:remind_unit_message", args=[world.ceremony_a.pk])
    response = client.post(url, {"unit": world.unit_a.pk, "bagian": 1}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 204
    assert sorted(Reminder.objects.values_list("invitation", flat=True)) == [i.pk for i in world.invitations_a[1:3]]
    assert "kepala unit Sekretariat Daerah (bagian 1): 2 pegawai" in AuditEvent.objects.get(action="remind").description
    response = client.post(url, {"unit": world.unit_a.pk})  # no script: back to the page, with a word
    assert response.status_code == 302 and f"unit={world.unit_a.pk}" in response["Location"]
    assert client.post(url, {"unit": world.unit_a.pk, "bagian": 2}).status_code == 404  # no such part
    assert client.post(url, {"unit": world.unit_b.pk}).status_code == 404  # another agency's unit
    assert client.post(url, {}).status_code == 404  # never all units


@pytest.mark.parametrize("part", ["0", "100001", "abc", "-1", "1.5", "²", "999"])
def test_a_part_that_is_no_part_of_the_unit_message_is_a_404_and_records_nothing(client, reminders_world, part):
    """Only the parts the page offers are recorded: anything else sent as ``bagian``
    was read as part 1 and recorded a reminder to its people."""
    world = reminders_world
    client.force_login(world.operator_a)
    url = reverse("ceremonies:remind_unit_message", args=[world.ceremony_a.pk])
    for headers in ({"HTTP_X_REQUESTED_WITH": "fetch"}, {}):
        assert client.post(url, {"unit": world.unit_a.pk, "bagian": part}, **headers).status_code == 404
    assert not Reminder.objects.exists()
    assert not AuditEvent.objects.filter(action="remind").exists()
    html = client.get(reverse("ceremonies:board_data", args=[world.ceremony_a.pk])).content.decode()
    assert re.search(r"Diingatkan: <strong>0</strong> pegawai", html)


def test_a_big_unit_gets_its_message_in_parts(client, world, settings):
    settings.PUBLIC_BASE_URL = BASE
    unit = factories.unit(world.agency_a, "Dinas Pendidikan")
    Employee.objects.bulk_create(
        [
            Employee(agency=world.agency_a, unit=unit, nip=factories.nip(70_000 + n), name=f"Guru {n:03d}")
            for n in range(UNIT_MESSAGE_PEOPLE + 5)
        ]
    )
    world.ceremony_a.invite(Employee.objects.filter(unit=unit))
    client.force_login(world.operator_a)
    html = client.get(unsigned_url(world, unit=unit.pk)).content.decode()
    assert 'id="unit-message-2"' in html and "bagian 2 dari 2" in html and "Guru 104" in html
    url = reverse("ceremonies:remind_unit_message", args=[world.ceremony_a.pk])
    client.post(url, {"unit": unit.pk, "bagian": 2}, HTTP_X_REQUESTED_WITH="fetch")
    assert Reminder.objects.count() == 5


def test_reminder_sheet_is_one_click_and_prints_only_the_units_non_signers(client, reminders_world, started_job):
    world = reminders_world
    client.force_login(world.operator_a)
    html = client.get(unsigned_url(world)).content.decode()
    assert html.count(reverse("ceremonies:remind_sheet", args=[world.ceremony_a.pk])) == 2  # one per unit
    job, data = started_job(reverse("ceremonies:remind_sheet", args=[world.ceremony_a.pk]), {"unit": world.unit_a.pk})
    assert job.kind == "link_sheets" and job.filename.startswith(f"tautan-apel-{world.ceremony_a.pk}-pengingat")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    flat = text.replace("\n", " ")
    assert "PENGINGAT — belum menandatangani" in flat
    for invitation in world.invitations_a[1:3]:
        assert invitation.employee.name in flat and invitation.code in flat
    assert world.invitations_a[0].employee.name not in flat and world.invitations_a[3].employee.name not in flat
    assert sorted(Reminder.objects.filter(channel="sheet").values_list("invitation", flat=True)) == [
        i.pk for i in world.invitations_a[1:3]
    ]
    assert (
        "Mencetak lembar pengingat unit Sekretariat Daerah: 2 pegawai"
        in AuditEvent.objects.get(action="remind").description
    )
    assert client.post(reverse("ceremonies:remind_sheet", args=[world.ceremony_a.pk]), {"unit": "²"}).status_code == 404


def test_email_reminders_arrive_through_a_real_smtp_server(client, reminders_world, smtp_server, run_jobs):
    world = reminders_world
    Employee.objects.filter(pk=world.employees_a[2].pk).update(email="ditolak@example.go.id")
    smtp_server.refuse.add("ditolak@example.go.id")
    client.force_login(world.operator_a)
    html = client.get(unsigned_url(world, unit=world.unit_a.pk)).content.decode()
    assert "Kirim email pengingat (2 alamat)" in html and "server email belum diatur" not in html

    response = client.post(reverse("ceremonies:remind_email", args=[world.ceremony_a.pk]), {"unit": world.unit_a.pk})
    (job,) = run_jobs()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == "done", job.message
    assert job.result["sent"] == 1 and job.result["refused"] == 1
    assert "1 email pengingat terkirim" in job.message and "d***@example.go.id" in job.message

    (message,) = smtp_server.messages
    invitation = world.invitations_a[1]
    assert message["To"] == "satu@example.go.id"
    assert (
        str(make_header(decode_header(message["Subject"])))
        == "Pengingat: Pakta Integritas Netralitas ASN — Apel Netralitas Bukittinggi"
    )
    body = message.get_payload(decode=True).decode()
    assert f"Yth. {invitation.employee.name}" in body
    assert f"{BASE}/t/{invitation.token}/" in body and invitation.code in body
    assert list(Reminder.objects.values_list("invitation", "channel")) == [(invitation.pk, "email")]
    descriptions = list(AuditEvent.objects.filter(action="remind").values_list("description", flat=True))
    assert any("Memulai pengingat email unit Sekretariat Daerah: 2 alamat" in d for d in descriptions)
    assert any("1 terkirim, 1 ditolak" in d and "s***@example.go.id" in d for d in descriptions)

    # A retried job does not mail twice.
    from jobs.tasks import execute

    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    execute(job.pk)
    assert len(smtp_server.messages) == 1


def test_email_says_so_when_mail_is_not_configured_or_unreachable(client, reminders_world, settings, run_jobs):
    world = reminders_world
    client.force_login(world.operator_a)
    url = reverse("ceremonies:remind_email", args=[world.ceremony_a.pk])
    settings.EMAIL_HOST = ""
    html = client.get(unsigned_url(world, unit=world.unit_a.pk)).content.decode()
    assert "server email belum diatur (EMAIL_HOST)" in html
    assert re.search(r'id="remind-email" disabled', html)
    response = client.post(url, {"unit": world.unit_a.pk}, follow=True)
    assert "server email belum diatur (EMAIL_HOST)" in response.content.decode()
    assert not Job.objects.exists()

    from tests.smtp import free_port

    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    client.post(url, {"unit": world.unit_a.pk})
    (job,) = run_jobs()
    assert job.status == "failed" and "Server email tidak dapat dihubungi" in job.message
    assert "0 email terkirim" in job.message
    assert not Reminder.objects.exists()
    # Nobody of the unit has an address: said at once, no job.
    Employee.objects.filter(pk=world.employees_a[3].pk).update(email="")
    response = client.post(url, {"unit": world.subunit_a.pk}, follow=True)
    assert "punya alamat email" in response.content.decode()


def test_phone_never_shows_in_full_outside_the_operators_pages(client, reminders_world):
    world = reminders_world
    invitation = world.invitations_a[1]
    client.force_login(world.operator_a)
    client.post(reverse("ceremonies:remind_whatsapp", args=[world.ceremony_a.pk, invitation.pk]))
    client.force_login(world.auditor_a)
    trail = client.get(reverse("inspektorat:trail")).content.decode()
    assert "0812*****890" in trail
    client.logout()
    for page in [
        client.get(reverse("pledges:sign", args=[invitation.token])),
        client.get(reverse("pledges:apel", args=[world.ceremony_a.apel_token])),
    ]:
        html = page.content.decode()
        assert "1234567890" not in html and "0812" not in html and "satu@example.go.id" not in html
