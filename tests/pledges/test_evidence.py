"""Every hand-out of a signed pact is checked against its recorded SHA-256: one
byte changed on disk and the signer's download, the auditor's download and the
Inspektorat's ZIP refuse to hand it out as genuine — a clear page, a flag in
``manifest.csv`` — the trail records the discovery once, and the operator's
apel page and live board say so until the file is restored."""

import csv
import hashlib
import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from tests import stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def altered(world, sign):
    """Agency A's three pacts with PDFs; one byte of the first PDF then changes on disk."""
    world.certify()
    signatures = [sign(invitation, pdf=True) for invitation in world.invitations_a[:3]]
    world.altered, world.kept = signatures[0], signatures[1:]
    world.original = stored.read(world.altered.document.file.name)
    stored.flip_one_byte(world.altered.document.file.name)
    return world


def evidence_events(signature):
    return AuditEvent.objects.filter(action="evidence", object_type="signature", object_id=str(signature.pk))


def open_findings():
    from pledges.models import StorageFinding  # new with this check

    return StorageFinding.objects.filter(cleared_at__isnull=True)


def zip_of(client, world):
    response = client.get(reverse("inspektorat:ceremony_zip", args=[world.ceremony_a.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    return archive, {row["Kode verifikasi"]: row for row in rows}


def test_an_altered_pdf_is_not_handed_to_its_signer(client, altered):
    response = client.get(reverse("pledges:document", args=[altered.altered.invitation.token]))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "PDF pakta tidak dapat diberikan." in html and altered.altered.display_code in html
    assert "tidak sama lagi dengan yang disegel" in html
    english = client.get(
        reverse("pledges:document", args=[altered.altered.invitation.token]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "The pact PDF cannot be handed out." in english
    # An intact pact is still handed out, byte for byte as recorded.
    kept = client.get(reverse("pledges:document", args=[altered.kept[0].invitation.token]))
    assert kept.status_code == 200 and kept["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(kept.streaming_content)).hexdigest() == altered.kept[0].document.sha256


def test_an_altered_pdf_is_not_handed_to_the_auditor(client, altered):
    client.force_login(altered.auditor_a)
    response = client.get(reverse("inspektorat:pact_pdf", args=[altered.altered.pk]))
    assert response.status_code == 409
    assert "PDF pakta tidak dapat diberikan." in response.content.decode()
    kept = client.get(reverse("inspektorat:pact_pdf", args=[altered.kept[0].pk]))
    assert kept.status_code == 200
    assert hashlib.sha256(b"".join(kept.streaming_content)).hexdigest() == altered.kept[0].document.sha256


def test_the_zip_flags_an_altered_pdf_and_leaves_it_out(client, altered):
    client.force_login(altered.auditor_a)
    archive, rows = zip_of(client, altered)
    flagged = rows[altered.altered.display_code]
    assert flagged["Status PDF"] == "BERUBAH"
    assert flagged["Berkas"] == "" and flagged["SHA-256"] == altered.altered.document.sha256
    assert flagged["Catatan"].startswith("PDF BERUBAH: SHA-256 berkas tersimpan tidak sama dengan yang tercatat")
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert len(pdfs) == 2 and not any(altered.altered.display_code in name for name in pdfs)
    for signature in altered.kept:
        row = rows[signature.display_code]
        assert row["Status PDF"] == "utuh" and row["Catatan"] == ""
        assert hashlib.sha256(archive.read(row["Berkas"])).hexdigest() == row["SHA-256"] == signature.document.sha256


def test_a_discovery_is_recorded_once_and_shown_to_the_operator_until_restored(client, altered):
    token = altered.altered.invitation.token
    for _ in range(2):
        client.get(reverse("pledges:document", args=[token]))
    client.get(reverse("pledges:verify", args=[altered.altered.verification_code]))
    client.force_login(altered.auditor_a)
    client.get(reverse("inspektorat:pact_pdf", args=[altered.altered.pk]))
    zip_of(client, altered)
    (event,) = evidence_events(altered.altered)
    assert "BERUBAH" in event.description and altered.altered.display_code in event.description
    assert event.agency_id == altered.agency_a.pk
    assert not evidence_events(altered.kept[0]).exists()
    assert open_findings().count() == 1

    client.force_login(altered.operator_a)
    warning = "1 PDF pakta apel ini berubah atau hilang di penyimpanan"
    detail = client.get(reverse("ceremonies:detail", args=[altered.ceremony_a.pk])).content.decode()
    assert warning in detail and "check_storage" in detail
    board = client.get(reverse("ceremonies:board_data", args=[altered.ceremony_a.pk])).content.decode()
    assert warning in board
    other = client.get(reverse("ceremonies:detail", args=[altered.ceremony_b.pk]))
    assert other.status_code == 404  # operator A sees only agency A

    # Restored from the backup: handed out again, the finding closed, the trail told once.
    stored.replace(altered.altered.document.file.name, altered.original)
    client.logout()
    restored = client.get(reverse("pledges:document", args=[token]))
    assert restored.status_code == 200 and b"".join(restored.streaming_content) == altered.original
    client.get(reverse("pledges:document", args=[token]))
    events = list(evidence_events(altered.altered).order_by("pk"))
    assert len(events) == 2 and "utuh lagi" in events[1].description
    client.force_login(altered.operator_a)
    detail = client.get(reverse("ceremonies:detail", args=[altered.ceremony_a.pk])).content.decode()
    assert "berubah atau hilang di penyimpanan" not in detail


def test_a_missing_pdf_is_a_finding_too(client, altered):
    stored.remove(altered.kept[0].document.file.name)
    response = client.get(reverse("pledges:document", args=[altered.kept[0].invitation.token]))
    assert response.status_code == 404 and "PDF pakta tidak ditemukan." in response.content.decode()
    client.force_login(altered.auditor_a)
    _archive, rows = zip_of(client, altered)
    assert rows[altered.kept[0].display_code]["Status PDF"] == "HILANG"
    (event,) = evidence_events(altered.kept[0])
    assert "HILANG" in event.description
    client.force_login(altered.operator_a)
    board = client.get(reverse("ceremonies:board_data", args=[altered.ceremony_a.pk])).content.decode()
    assert "2 PDF pakta apel ini berubah atau hilang di penyimpanan" in board


def test_check_storage_opens_and_closes_findings(altered, capsys):
    with pytest.raises(SystemExit):
        call_command("check_storage")
    assert "BERUBAH" in capsys.readouterr().out
    (finding,) = open_findings()
    assert finding.document == altered.altered.document and finding.state == "altered"
    with pytest.raises(SystemExit):
        call_command("check_storage")  # the same finding: no second trail event
    assert evidence_events(altered.altered).count() == 1
    stored.replace(altered.altered.document.file.name, altered.original)
    call_command("check_storage")
    assert "Penyimpanan utuh." in capsys.readouterr().out
    assert not open_findings().exists()
    assert evidence_events(altered.altered).count() == 2
