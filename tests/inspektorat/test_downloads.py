"""Downloads: one pact, the ZIP of a ceremony or a unit (entries, manifest and
hashes against the stored PDFs), each recorded in the audit trail."""

import csv
import hashlib
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.urls import reverse

from audit.models import AuditEvent
from inspektorat import archive as archive_module
from inspektorat import queries
from pledges.models import PactDocument
from pledges.pdf.certificates import create_dev_certificate
from tests import factories
from tests.inspektorat.conftest import invite_employees
from tests.inspektorat.test_recap import SIGNER

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(world, sign):
    """Agency A: three pacts with PDFs (two in the unit, one in its sub-unit) and one
    signature whose PDF is not made yet."""
    create_dev_certificate(world.agency_a)
    invitations = world.invitations_a
    world.with_pdf = [sign(invitations[0], pdf=True), sign(invitations[1], pdf=True), sign(invitations[3], pdf=True)]
    world.without_pdf = sign(invitations[2])
    return world


def download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def read_zip(body):
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    manifest = archive.read("manifest.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(manifest)))
    return archive, rows


def stored_sha256(signature):
    with default_storage.open(signature.document.file.name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_ceremony_zip_holds_every_pdf_and_a_true_manifest(client, signed):
    world = signed
    client.force_login(world.auditor_a)
    response, body = download(client, reverse("inspektorat:ceremony_zip", args=[world.ceremony_a.pk]))
    assert response["Content-Type"] == "application/zip"
    assert f'filename="pakta-apel{world.ceremony_a.pk}.zip"' in response["Content-Disposition"]

    archive, rows = read_zip(body)
    pdfs = [info for info in archive.infolist() if info.filename != "manifest.csv"]
    assert len(pdfs) == 3
    assert all(info.compress_type == zipfile.ZIP_STORED for info in pdfs)

    by_file = {row["Berkas"]: row for row in rows if row["Berkas"]}
    assert set(by_file) == {info.filename for info in pdfs}
    for signature in world.with_pdf:
        document = PactDocument.objects.get(signature=signature)
        code = signature.display_code
        (name,) = [n for n in by_file if n.endswith(f"-{code}.pdf")]
        unit = signature.invitation.unit.name
        assert name.startswith(f"{unit}/pakta-pegawai-uji-")
        # File names carry no NIP (it holds the birth date): the name and the code.
        assert signature.signer["id_number"].replace(" ", "") not in name
        entry_hash = hashlib.sha256(archive.read(name)).hexdigest()
        # The bytes in the ZIP are the stored PDF, and the manifest says so.
        assert entry_hash == document.sha256 == stored_sha256(signature) == by_file[name]["SHA-256"]
        row = by_file[name]
        assert row["NIP"] == signature.signer["id_number"]
        assert row["Nama"] == signature.signer["name"]
        assert row["Unit Kerja"] == unit
        assert row["Kode verifikasi"] == signature.display_code
        local = signature.signed_at.astimezone(world.agency_a.tzinfo)
        assert row["Waktu tanda tangan"] == f"{local:%Y-%m-%d %H:%M:%S} WIB"
        assert row["Status PDF"] == "utuh" and row["Catatan"] == ""

    # The signature whose PDF is still being made is listed, without hash or file.
    (pending,) = [row for row in rows if not row["Berkas"]]
    assert pending["Nama"] == world.without_pdf.signer["name"]
    assert pending["SHA-256"] == "" and pending["Status PDF"] == "belum dibuat"
    assert "belum" in pending["Catatan"]
    assert len(rows) == 4  # the non-signer is not in an archive of signed pacts
    assert list(rows[0]) == [
        "NIP",
        "Nama",
        "Unit Kerja",
        "Waktu tanda tangan",
        "Kode verifikasi",
        "SHA-256",
        "Status PDF",
        "Berkas",
        "Catatan",
    ]


def test_unit_zip_with_and_without_sub_units(client, signed):
    world = signed
    client.force_login(world.auditor_a)
    url = reverse("inspektorat:unit_zip", args=[world.ceremony_a.pk, world.unit_a.pk])
    response, body = download(client, url)
    assert f'filename="pakta-apel{world.ceremony_a.pk}-sekretariat-daerah.zip"' in response["Content-Disposition"]
    archive, rows = read_zip(body)
    assert {n.split("/")[0] for n in archive.namelist() if n != "manifest.csv"} == {"Sekretariat Daerah"}
    assert len(rows) == 3 and len(archive.namelist()) == 3  # two PDFs, one pending, the manifest

    response, body = download(client, url, sub="1")
    assert (
        f'filename="pakta-apel{world.ceremony_a.pk}-sekretariat-daerah-dan-subunit.zip"'
        in response["Content-Disposition"]
    )
    archive, rows = read_zip(body)
    assert {n.split("/")[0] for n in archive.namelist() if n != "manifest.csv"} == {
        "Sekretariat Daerah",
        "Bagian Umum",
    }
    assert len(rows) == 4

    _, body = download(client, reverse("inspektorat:unit_zip", args=[world.ceremony_a.pk, world.subunit_a.pk]))
    archive, rows = read_zip(body)
    assert [n.split("/")[0] for n in archive.namelist() if n != "manifest.csv"] == ["Bagian Umum"]


def test_zip_reads_pdfs_only_while_streaming(client, signed, monkeypatch):
    """The view lays out the archive from the database; files are taken one by one
    as the ZIP is sent, never all up front (here written out after every PDF; from
    object storage a few are read ahead, ``READ_AHEAD``)."""
    world = signed
    monkeypatch.setattr("inspektorat.archive.FLUSH_SIZE", 1)
    opened = []
    original_reads = archive_module._reads

    def counting_reads(storage, names):
        for data in original_reads(storage, names):
            if data is not None:  # None: a signature whose PDF is not made yet
                opened.append(data)
            yield data

    monkeypatch.setattr(archive_module, "_reads", counting_reads)
    client.force_login(world.auditor_a)
    response = client.get(reverse("inspektorat:ceremony_zip", args=[world.ceremony_a.pk]))
    assert response.streaming and opened == []
    chunks = iter(response.streaming_content)
    next(chunks)
    assert len(opened) <= 1
    b"".join(chunks)
    assert len(opened) == 3


def test_empty_ceremony_gives_a_zip_with_the_manifest_only(client, world):
    client.force_login(world.auditor_a)
    _, body = download(client, reverse("inspektorat:ceremony_zip", args=[world.ceremony_a.pk]))
    archive, rows = read_zip(body)
    assert archive.namelist() == ["manifest.csv"] and rows == []


def test_non_asn_entry_carries_no_nik(client, world, sign):
    create_dev_certificate(world.agency_a)
    honorer = factories.employee(
        world.agency_a, unit=world.unit_a, employment_type="NON_ASN", nip=None, nik="1371010101907777", name="=Ani"
    )
    (invitation,) = invite_employees(world.ceremony_a, [honorer])
    signature = sign(invitation, pdf=True)
    client.force_login(world.auditor_a)
    _, body = download(client, reverse("inspektorat:ceremony_zip", args=[world.ceremony_a.pk]))
    archive, rows = read_zip(body)
    assert [n for n in archive.namelist() if n != "manifest.csv"] == [
        f"Sekretariat Daerah/pakta-ani-{signature.display_code}.pdf"
    ]
    assert rows[0]["NIP"] == "NIK …7777"  # the full NIK is not spread further
    assert rows[0]["Nama"] == "'=Ani"  # formula-escaped for Excel


def test_one_pact_pdf(client, signed):
    world = signed
    signature = world.with_pdf[0]
    client.force_login(world.auditor_a)
    response, body = download(client, reverse("inspektorat:pact_pdf", args=[signature.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="pakta-pegawai-uji-' in response["Content-Disposition"]
    assert f'-{signature.display_code}.pdf"' in response["Content-Disposition"]
    assert signature.signer["id_number"].replace(" ", "") not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert hashlib.sha256(body).hexdigest() == signature.document.sha256
    # Not made yet: a 404, not a crash.
    assert client.get(reverse("inspektorat:pact_pdf", args=[world.without_pdf.pk])).status_code == 404


def test_each_download_is_recorded(client, signed, started_job):
    world = signed
    client.force_login(world.auditor_a)
    signature = world.with_pdf[0]
    downloads = [
        (reverse("inspektorat:pact_pdf", args=[signature.pk]), "signature", signature.signer["name"]),
        (reverse("inspektorat:ceremony_zip", args=[world.ceremony_a.pk]), "ceremony", "3 PDF, 1 belum ada PDF"),
        (
            reverse("inspektorat:unit_zip", args=[world.ceremony_a.pk, world.unit_a.pk]),
            "ceremony",
            "unit Sekretariat Daerah: 2 PDF",
        ),
    ]
    for url, object_type, words in downloads:
        before = AuditEvent.objects.count()
        download(client, url)
        assert AuditEvent.objects.count() == before + 1, url
        event = AuditEvent.objects.order_by("-id").first()
        assert event.action == AuditEvent.Action.DOWNLOAD
        assert (event.username, event.user, event.agency) == ("auditor_a", world.auditor_a, world.agency_a)
        assert event.object_type == object_type
        assert words in event.description, event.description
        assert event.ip_address == "127.0.0.1"
    # Recaps and the trail are made in the background: starting one records nothing,
    # downloading its file records it, naming the file and what it is.
    jobs = [
        (reverse("inspektorat:recap_pdf", args=[world.ceremony_a.pk]), SIGNER, "“rekap-apel"),
        (reverse("inspektorat:recap_table", args=[world.ceremony_a.pk, "xlsx"]), {}, "Rekap XLSX apel"),
        (reverse("inspektorat:recap_table", args=[world.ceremony_a.pk, "csv"]), {}, "Rekap CSV apel"),
        (reverse("inspektorat:trail_export", args=["csv"]), {}, "Jejak audit (csv)"),
    ]
    for url, data, words in jobs:
        before = AuditEvent.objects.count()
        started_job(url, data)
        assert AuditEvent.objects.count() == before + 1, url
        event = AuditEvent.objects.order_by("-id").first()
        object_type = "job"
        event = AuditEvent.objects.order_by("-id").first()
        assert event.action == AuditEvent.Action.DOWNLOAD
        assert (event.username, event.user, event.agency) == ("auditor_a", world.auditor_a, world.agency_a)
        assert event.object_type == object_type
        assert words in event.description, event.description
        assert event.ip_address == "127.0.0.1"


def test_zip_reads_a_storage_without_local_paths(signed):
    """Object storage has no paths: the archive reads each PDF through the storage's
    ``open`` and hands out the same bytes; a file it lacks is flagged, not sent."""
    world = signed
    memory = InMemoryStorage()
    documents = [PactDocument.objects.get(signature=signature) for signature in world.with_pdf]
    for document in documents[:2]:
        with default_storage.open(document.file.name, "rb") as handle:
            memory.save(document.file.name, ContentFile(handle.read()))
    stream, count, without = archive_module.pact_archive(
        queries.archive_signatures(world.ceremony_a), world.agency_a, memory
    )
    assert (count, without) == (3, 1)
    archive, rows = read_zip(b"".join(stream))
    sent = {row["SHA-256"]: row for row in rows if row["Berkas"]}
    assert set(sent) == {document.sha256 for document in documents[:2]}
    for row in sent.values():
        assert hashlib.sha256(archive.read(row["Berkas"])).hexdigest() == row["SHA-256"]
    (gone,) = [row for row in rows if row["SHA-256"] == documents[2].sha256]
    assert gone["Status PDF"] == "HILANG" and gone["Berkas"] == ""


def test_zip_never_reads_outside_the_storage_folder(client, signed, settings):
    """A stored name that would leave the media folder is treated as gone, even when a
    file with the recorded hash lies there."""
    world = signed
    data = b"%PDF-1.7 outside the media folder"
    (settings.MEDIA_ROOT.parent / "outside.pdf").write_bytes(data)
    sha256 = hashlib.sha256(data).hexdigest()
    PactDocument.objects.create(signature=world.without_pdf, file="../outside.pdf", sha256=sha256, size=len(data))
    client.force_login(world.auditor_a)
    _, body = download(client, reverse("inspektorat:ceremony_zip", args=[world.ceremony_a.pk]))
    archive, rows = read_zip(body)
    (row,) = [row for row in rows if row["SHA-256"] == sha256]
    assert (row["Status PDF"], row["Berkas"]) == ("HILANG", "")
    assert all(archive.read(name) != data for name in archive.namelist())
