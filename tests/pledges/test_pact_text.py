"""Versioned text formats: a signature verifies with the format it was made with,
forever; the identity block is the same on the signing page, the PDF, the text and
the verification page; adding a field is a new format (the recipe in
docs/architecture.md, "Adding a field to the pact", is this file's last test)."""

import io
import re

import pdfplumber
import pytest
from django.urls import reverse

from pledges import pact_text
from pledges.models import Signature, sha256_hex
from pledges.pdf.pact import build_signed_pdf
from tests import factories

pytestmark = pytest.mark.django_db

SIGNER = {
    "name": "Budi Santoso, S.E.",
    "id_label": "NIP",
    "id_number": "19800101 200501 1 001",
    "rank": "Penata (III/c)",
    "position": "Analis Kebijakan",
    "unit": "Sekretariat Daerah",
    "agency": "Pemerintah Kota Bukittinggi",
}
PACT = {
    "title": "PAKTA INTEGRITAS",
    "intro": "Saya yang bertanda tangan di bawah ini:",
    "opening": "Dengan ini menyatakan:",
    "points": ["Menjaga netralitas.", "Menolak politik uang."],
    "closing": "Demikian pakta ini saya buat.",
}
# The text the first format wrote before formats were numbered, byte for byte.
FORMAT_1_TEXT = """PAKTA INTEGRITAS

Saya yang bertanda tangan di bawah ini:
Nama: Budi Santoso, S.E.
NIP: 19800101 200501 1 001
Pangkat/Golongan: Penata (III/c)
Jabatan: Analis Kebijakan
Unit Kerja: Sekretariat Daerah
Instansi: Pemerintah Kota Bukittinggi

Dengan ini menyatakan:
1. Menjaga netralitas.
2. Menolak politik uang.

Demikian pakta ini saya buat."""
# Every format, once used, writes these texts for ever. A new format adds its line.
# (Format 2 lays out the text as format 1 does; it labels a PPPK differently when
# freezing the snapshot, which this fixed snapshot does not exercise.)
GOLDEN_SHA256 = {
    1: "3aee810188094857e02cbb5f78126e2175bfebfd348ef98068ae400b97554f88",
    2: "3aee810188094857e02cbb5f78126e2175bfebfd348ef98068ae400b97554f88",
}


def test_every_format_still_writes_its_text():
    assert set(GOLDEN_SHA256) == set(pact_text.FORMATS), "a new format needs its golden hash here"
    assert pact_text.FORMATS[1].text(SIGNER, PACT) == FORMAT_1_TEXT
    for version, fmt in pact_text.FORMATS.items():
        assert sha256_hex(fmt.text(SIGNER, PACT)) == GOLDEN_SHA256[version], f"format {version} changed"


@pytest.fixture
def pppk_invitation(ceremony):
    from ceremonies.models import Invitation

    unit = factories.unit(ceremony.agency, "Dinas Kesehatan")
    employee = factories.employee(
        ceremony.agency,
        unit=unit,
        employment_type="PPPK",
        nip="199009132025242014",
        name="Sari Dewi, S.Kom.",
        rank="IX",
        position="Pranata Komputer Ahli Pertama",
    )
    return Invitation.objects.create(ceremony=ceremony, employee=employee, unit=unit)


def pdf_text(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return pdf.pages[0].extract_text()


def test_a_pppk_employee_is_labelled_ni_pppk_everywhere(client, pppk_invitation, sign):
    page = client.get(reverse("pledges:sign", args=[pppk_invitation.token])).content.decode()
    assert "NI PPPK" in page and "19900913 202524 2 014" in page
    signature = sign(pppk_invitation)
    assert signature.text_format == pact_text.CURRENT
    assert "NI PPPK: 19900913 202524 2 014" in signature.text
    assert signature.is_intact()
    assert re.search(r"NI PPPK\s*: 19900913 202524 2 014", pdf_text(build_signed_pdf(signature)))
    verification = client.get(reverse("pledges:verify", args=[signature.verification_code])).content.decode()
    assert "NI PPPK" in verification and "1990**** 202524 * **4" in verification
    assert "19900913 202524 2 014" not in verification


def test_the_signing_page_shows_the_block_that_is_signed(client, invitation, sign):
    page = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    signature = sign(invitation)
    rows = signature.identity()
    assert [row.label for row in rows] == ["Nama", "NIP", "Pangkat/Golongan", "Jabatan", "Unit Kerja", "Instansi"]
    for row in rows:
        assert f'<th scope="row">{row.label}</th><td>{row.document}</td>' in page
        assert f"{row.label}: {row.text}" in signature.text


def test_a_format_this_code_does_not_know_is_not_intact_and_no_error(signature):
    signature.text_format = 99  # in memory only: the row itself is guarded
    assert not signature.is_intact()
    assert [row.label for row in signature.public_identity()] == ["Nama", "NIP", "Instansi"]


class StatusFormat(pact_text.Format2):
    """What the recipe in docs/architecture.md writes: the next version, the new
    field frozen in ``snapshot`` and printed as one more row in ``identity``."""

    version = 3

    def snapshot(self, employee, unit):
        return {**super().snapshot(employee, unit), "employment": employee.get_employment_type_display()}

    def identity(self, signer):
        rows = super().identity(signer)
        rows.insert(2, pact_text.Row("Status Kepegawaian", signer["employment"], signer["employment"]))
        return rows


def test_a_new_format_leaves_old_signatures_intact(client, invitation, pppk_invitation, sign, monkeypatch):
    # Signed in 2024 with the first format: a PPPK was labelled NIP then.
    monkeypatch.setattr(pact_text, "CURRENT", 1)
    old_pppk = sign(pppk_invitation, pdf=True)
    assert old_pppk.text_format == 1 and "NIP: 19900913 202524 2 014" in old_pppk.text

    # The recipe: a new format, registered, made current.
    monkeypatch.setitem(pact_text.FORMATS, 3, StatusFormat())
    monkeypatch.setattr(pact_text, "CURRENT", 3)

    page = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    assert "Status Kepegawaian" in page and "PNS" in page
    new = sign(invitation, pdf=True)
    assert new.text_format == 3
    assert "Status Kepegawaian: PNS" in new.text
    assert re.search(r"Status Kepegawaian\s*: PNS", pdf_text(build_signed_pdf(new)))

    old_pppk = Signature.objects.get(pk=old_pppk.pk)
    assert old_pppk.is_intact() and new.is_intact()
    assert "Status Kepegawaian" not in pdf_text(build_signed_pdf(old_pppk))
    for signature in (old_pppk, new):
        response = client.get(reverse("pledges:verify", args=[signature.verification_code]))
        assert response.status_code == 200
        assert "Asli dan utuh" in response.content.decode()
