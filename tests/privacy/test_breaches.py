"""The breach register (UU PDP Pasal 46): an incident with its 3 × 24-hour deadline in
sight, the persons it touched and the letters to them and to the authority made as jobs
from the admin, every step in the trail."""

import datetime
import io
import re

import openpyxl
import pdfplumber
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from jobs.models import Job
from netralitas.lib.dates import waktu
from privacy.models import Breach

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(world):
    return Breach.objects.create(
        agency=world.agency_a,
        title="Lembar tautan tertinggal di ruang rapat",
        detected_at=timezone.now() - datetime.timedelta(hours=5),
        description="Satu bundel lembar tautan pribadi Bagian Umum ditemukan di ruang rapat umum.",
        data_kinds="nama, NIP, tautan pribadi",
        created_by=world.admin,
    )


def run_action(client, world, breach, action, run_jobs):
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:privacy_breach_changelist"), {"action": action, "_selected_action": [breach.pk]}
    )
    assert response.status_code == 302
    (job,) = run_jobs()
    assert job.status == Job.Status.DONE, job.message
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    return job, b"".join(download.streaming_content)


def affected_names(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("NIP / NI PPPK / NIK", "Nama", "Unit kerja", "Nomor HP", "Email")
    return sorted(row[1] for row in rows[1:])


def test_the_register_shows_the_time_left_late_and_done(client, world, breach):
    late = Breach.objects.create(
        agency=world.agency_a, title="Ekspor terkirim ke alamat salah", data_kinds="nama",
        detected_at=timezone.now() - datetime.timedelta(hours=80), description="Email salah alamat.",
    )  # fmt: skip
    done = Breach.objects.create(
        agency=world.agency_a, title="Sudah ditangani", data_kinds="nama", description="-",
        detected_at=timezone.now() - datetime.timedelta(hours=30),
        persons_notified_at=timezone.now() - datetime.timedelta(hours=2),
        authority_notified_at=timezone.now() - datetime.timedelta(hours=1),
    )  # fmt: skip
    client.force_login(world.admin)
    page = client.get(reverse("admin:privacy_breach_changelist")).content.decode()
    assert "66 jam lagi — batas" in page or "67 jam lagi — batas" in page
    assert "TERLAMBAT 8 jam" in page
    assert "Selesai: pegawai" in page
    assert {late.title, done.title, breach.title} <= {b.title for b in Breach.objects.all()}


def test_the_persons_affected_are_listed_by_scope_and_nobody_else(client, world, breach, run_jobs, sign):
    _job, content = run_action(client, world, breach, "affected_list", run_jobs)
    assert affected_names(content) == sorted(e.name for e in world.employees_a)
    assert AuditEvent.objects.filter(object_type="breach", object_id=str(breach.pk), action="create").exists()

    sign(world.invitations_a[0])
    Breach.objects.filter(pk=breach.pk).update(scope=Breach.Scope.SIGNED, ceremony=world.ceremony_a)
    _job, content = run_action(client, world, breach, "affected_list", run_jobs)
    assert affected_names(content) == [world.invitations_a[0].employee.name]


def test_the_letters_go_to_the_authority_and_to_each_person(client, world, breach, run_jobs, tmp_path):
    world.agency_a.privacy_email = "pdp@bukittinggikota.go.id"
    world.agency_a.save()
    job, content = run_action(client, world, breach, "letters", run_jobs)
    assert job.filename.endswith(".pdf") and job.result["letters"] == len(world.employees_a) + 1
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        pages = [page.extract_text() for page in pdf.pages]
    text = "\f".join(pages)
    assert "Lembaga Pelindungan Data Pribadi" in pages[0] and "Jumlah orang terdampak" in pages[0]
    for employee in world.employees_a:
        assert any(employee.name in page and "data pribadi Anda" in page for page in pages[1:])
    for employee in world.employees_b:
        assert employee.name not in text
    assert "Pasal 46" in text and "pdp@bukittinggikota.go.id" in text and breach.description in text
    # When it was found, as officials write it, in the agency's zone.
    assert f"Diketahui pada\n{waktu(breach.detected_at, 'Asia/Jakarta')}\n" in pages[0]
    assert re.search(r"\n\d{1,2} [A-Z][a-z]+ \d{4} pukul \d\d\.\d\d WIB\n", pages[0])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"detected_at": timezone.now() + datetime.timedelta(days=1)}, "detected_at"),
        ({"persons_notified_at": timezone.now() - datetime.timedelta(days=3)}, "persons_notified_at"),
        ({"scope": Breach.Scope.INVITED}, "ceremony"),
        ({"scope": Breach.Scope.SIGNED, "ceremony": "b"}, "ceremony"),
        ({"title": "Bocor\u202e"}, "title"),
    ],
)
def test_an_impossible_record_is_refused_with_a_message(world, breach, change, field):
    for name, value in change.items():
        setattr(breach, name, world.ceremony_b if value == "b" else value)
    with pytest.raises(ValidationError) as refused:
        breach.full_clean()
    assert field in refused.value.message_dict


def test_only_the_administrator_keeps_the_register(client, world, breach):
    for user in (world.operator_a, world.auditor_a):
        client.force_login(user)
        response = client.get(reverse("admin:privacy_breach_changelist"))
        assert response.status_code in (302, 403)


def test_the_admin_form_records_an_incident_and_answers_bad_input(client, world):
    client.force_login(world.admin)
    url = reverse("admin:privacy_breach_add")
    assert client.get(url).status_code == 200
    data = {
        "agency": world.agency_a.pk,
        "title": "Laptop operator hilang",
        "detected_at_0": "06/12/2026",
        "detected_at_1": "08:15",
        "description": "Laptop berisi ekspor daftar pegawai hilang di kendaraan umum.",
        "data_kinds": "nama, NIP, nomor HP",
        "scope": Breach.Scope.INVITED,
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "Pilih apelnya" in refused.content.decode()
    assert not Breach.objects.exists()
    saved = client.post(url, {**data, "scope": Breach.Scope.AGENCY})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    breach = Breach.objects.get()
    assert breach.created_by == world.admin
    assert AuditEvent.objects.filter(object_type="breach", object_id=str(breach.pk), action="create").exists()
