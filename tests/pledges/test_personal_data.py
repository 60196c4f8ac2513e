"""Each person's data on request (UU PDP): the operator's job, the signer's download from
the personal link and ``manage.py personal_data`` give the same package — every record
about that person, and nothing about anyone else — and each is recorded in the trail."""

import hashlib
import io
import json
import re
import zipfile
import zoneinfo

import pdfplumber
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.log import record_for
from audit.models import AuditEvent
from ceremonies.models import Reminder
from pledges.models import PactDocument
from roster.identity import format_nip

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world, sign):
    """Two colleagues of agency A at the same apel, both signed with a PDF and reminded,
    each named in the trail; and the first one's invitation to a second, unsigned apel."""
    world.certify()
    first, second = world.invitations_a[0], world.invitations_a[1]
    world.first, world.second = first.employee, second.employee
    world.signatures = {first.pk: sign(first, pdf=True), second.pk: sign(second, pdf=True)}
    for invitation in (first, second):
        Reminder.objects.create(invitation=invitation, channel=Reminder.Channel.WHATSAPP)
        record_for(
            world.operator_a, "192.0.2.1", AuditEvent.Action.UPDATE, invitation.employee, "Data pegawai %(n)s disimpan",
            n=invitation.employee.name,
        )  # fmt: skip
    from tests import factories

    later = factories.ceremony(world.agency_a, title="Apel Susulan")
    world.later = later.invitations.create(employee=world.first, unit=world.first.unit)
    return world


def package(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    return archive, json.loads(archive.read("data.json"))


def summary_text(archive, tmp_path):
    with pdfplumber.open(io.BytesIO(archive.read("ringkasan.pdf"))) as pdf:
        return "\n".join(page.extract_text() for page in pdf.pages)


def assert_only_the_first_person(world, archive, data, tmp_path):
    first, second = world.first, world.second
    signature = world.signatures[world.invitations_a[0].pk]
    assert data["pegawai"]["nama"] == first.name and data["pegawai"]["nip_atau_ni_pppk"] == first.nip
    assert [record["apel"] for record in data["undangan"]] == ["Apel Netralitas Bukittinggi", "Apel Susulan"]
    signed, unsigned = data["undangan"]
    assert unsigned["tanda_tangan"] is None
    sealed = signed["tanda_tangan"]
    assert sealed["kode_verifikasi"] == signature.display_code
    assert (
        sealed["teks_yang_ditandatangani"] == signature.text and sealed["identitas_yang_dibekukan"] == signature.signer
    )
    assert sealed["alamat_internet"] == (signature.ip_address or "") and sealed["peramban"] == signature.user_agent
    # The files beside data.json are the stored ones, byte for byte.
    document = PactDocument.objects.get(signature=signature)
    assert hashlib.sha256(archive.read(sealed["pdf"]["berkas"])).hexdigest() == document.sha256
    assert archive.read(sealed["gambar_tanda_tangan"]) == bytes(signature.image)
    assert len(data["pengingat"]) == 1 and data["pengingat"][0]["saluran"] == "WhatsApp"
    assert any(first.name in event["uraian"] for event in data["jejak_audit"])
    # Nothing about the colleague: not in data.json, not in the summary, no file of theirs.
    other = world.signatures[world.invitations_a[1].pk]
    everything = archive.read("data.json").decode() + summary_text(archive, tmp_path)
    for trace in (second.name, second.nip, other.display_code, world.invitations_a[1].token):
        assert trace not in everything
    assert not any(other.display_code in name for name in archive.namelist())
    # The secrets that open a signing page are left out, and the package says so.
    for invitation in (world.invitations_a[0], world.later):
        assert invitation.token not in everything and invitation.code not in archive.read("data.json").decode()
    assert any("Tautan pribadi" in line for line in data["tidak_disertakan"])
    assert "Pakta yang sudah ditandatangani tidak diubah" in data["perbaikan"]
    summary = summary_text(archive, tmp_path)
    assert "RINGKASAN DATA PRIBADI" in summary and first.name in summary


def test_the_operator_gets_the_package_as_a_job_and_the_request_is_recorded(client, people, started_job, tmp_path):
    world = people
    client.force_login(world.operator_a)
    job, content = started_job(reverse("pledges:employee_data", args=[world.first.pk]))
    assert job.filename.endswith(".zip")
    archive, data = package(content)
    assert_only_the_first_person(world, archive, data, tmp_path)
    assert AuditEvent.objects.filter(
        user=world.operator_a, object_type="employee", object_id=str(world.first.pk), description__contains="paket data"
    ).exists()


def test_another_agencys_operator_gets_a_404_and_nothing_starts(client, people):
    world = people
    client.force_login(world.operator_b)
    assert client.post(reverse("pledges:employee_data", args=[world.first.pk])).status_code == 404
    client.force_login(world.auditor_a)
    assert client.post(reverse("pledges:employee_data", args=[world.first.pk])).status_code == 403
    from jobs.models import Job

    assert not Job.objects.exists()


def test_the_signer_downloads_the_same_package_from_the_personal_link(client, people, tmp_path):
    world = people
    response = client.get(reverse("pledges:my_data", args=[world.invitations_a[0].token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"].startswith("max-age=0")
    archive, data = package(response.content)
    assert_only_the_first_person(world, archive, data, tmp_path)
    event = AuditEvent.objects.get(description__contains="lewat tautan pribadi")
    assert (event.object_type, event.object_id, event.user) == ("employee", str(world.first.pk), None)
    # The confirmation page offers it; an unknown link is the usual 404.
    page = client.get(reverse("pledges:sign", args=[world.invitations_a[0].token])).content.decode()
    assert reverse("pledges:my_data", args=[world.invitations_a[0].token]) in page
    assert client.get(reverse("pledges:my_data", args=["x" * 43])).status_code == 404


def test_the_command_writes_the_same_package_for_a_nip_with_spaces(people, tmp_path, capsys):
    world = people
    target = tmp_path / "budi.zip"
    spaced = f"{world.first.nip[:8]} {world.first.nip[8:14]} {world.first.nip[14]} {world.first.nip[15:]}"
    call_command("personal_data", spaced, str(target))
    assert "2 undangan" in capsys.readouterr().out
    assert target.stat().st_mode & 0o777 == 0o600
    archive, data = package(target.read_bytes())
    assert_only_the_first_person(world, archive, data, tmp_path)
    assert AuditEvent.objects.filter(username="manage.py personal_data", object_id=str(world.first.pk)).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["199901012020011001", "x.zip"], "Tidak ada pegawai dengan NIP/NIK 199901012020011001."),
        ([None, "x.pdf"], "Nama berkas harus berakhiran .zip."),
        ([None, "tidak-ada/x.zip"], "Folder"),
        ([None, "ada.zip"], "sudah ada; pilih nama lain."),
    ],
)
def test_the_command_answers_a_bad_argument_in_one_sentence(people, tmp_path, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ada.zip").write_bytes(b"milik orang lain")
    identifier, file = arguments
    with pytest.raises(CommandError, match=message):
        call_command("personal_data", identifier or people.first.nip, file)
    assert (tmp_path / "ada.zip").read_bytes() == b"milik orang lain"


def test_the_command_answers_missing_arguments_in_one_sentence(people):
    with pytest.raises(CommandError, match="NIP dan BERKAS.zip wajib diisi"):
        call_command("personal_data", people.first.nip)


def test_the_summary_writes_times_as_officials_do_and_data_json_keeps_them_sortable(people, tmp_path):
    """``ringkasan.pdf`` is read by people: "26 September 2024 pukul 10.15 WITA", in the
    agency's zone; ``data.json`` is read by machines: "2024-09-26 10:15:02 WITA"."""
    world = people
    world.agency_a.time_zone = "Asia/Makassar"
    world.agency_a.save(update_fields=["time_zone"])
    target = tmp_path / "budi.zip"
    call_command("personal_data", world.first.nip, str(target))
    archive, data = package(target.read_bytes())
    summary = re.sub(r"\s+", " ", summary_text(archive, tmp_path))
    signature = world.signatures[world.invitations_a[0].pk]
    local = signature.signed_at.astimezone(zoneinfo.ZoneInfo("Asia/Makassar"))
    months = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()
    official = f"{local.day} {months[local.month - 1]} {local.year} pukul {local:%H.%M} WITA"
    assert f"ditandatangani {official}, kode {signature.display_code}" in summary
    assert re.search(r"^RINGKASAN DATA PRIBADI Dibuat \d{1,2} [A-Z][a-z]+ \d{4} pukul \d\d\.\d\d WITA oleh ", summary)
    # No machine timestamp, no other zone, anywhere in the readable summary.
    assert f"NIP / NI PPPK: {format_nip(world.first.nip)}" in summary  # grouped, as on documents
    assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d|\bWIB\b|UTC", summary)
    # data.json keeps the sortable form, in the same zone.
    assert data["undangan"][0]["tanda_tangan"]["waktu"] == f"{local:%Y-%m-%d %H:%M:%S} WITA"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WITA", data["dibuat_pada"])
