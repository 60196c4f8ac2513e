"""The recap (rekapitulasi / daftar hadir): the PDF read back for 1,000 invitees,
and the xlsx and csv exports with formula-looking cells escaped."""

import csv
import datetime
import io
import re
import subprocess

import openpyxl
import pdfplumber
import pypdfium2
import pytest
from django.urls import reverse

from netralitas.lib.dates import tanggal
from pledges.models import Signature
from tests import factories
from tests.inspektorat.conftest import bulk_sign, invite, invite_employees

pytestmark = pytest.mark.django_db

HEADER = "No Nama NIP / NI PPPK / NIK Unit Kerja Status Waktu tanda tangan (WIB)"


def flat(text):
    return re.sub(r"\s+", " ", text or "")


@pytest.fixture
def thousand(world):
    """Agency A's ceremony with 1,000 invitees in three units, 600 of them signed."""
    world.ceremony_a.witnesses = "KPU Kota Bukittinggi\nBawaslu Kota Bukittinggi"
    world.ceremony_a.save()
    units = [factories.unit(world.agency_a, name) for name in ("Dinas Kesehatan", "Dinas Pendidikan")]
    invitations = invite(world.ceremony_a, 500, unit=units[0], name="Pegawai Kesehatan")
    invitations += invite(world.ceremony_a, 496, unit=units[1], name="Pegawai Pendidikan")
    bulk_sign(invitations[:300] + invitations[500:800])
    assert world.ceremony_a.invitations.count() == 1000
    return world


def read_pdf(data):
    """The text of every page (pdfium: fast) and of the first and last pages as
    pdfplumber reads them (slow on 30 pages of table, so only those two)."""
    document = pypdfium2.PdfDocument(data)
    pages = [flat(document[i].get_textpage().get_text_range()) for i in range(len(document))]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == len(pages)
        first, last = flat(pdf.pages[0].extract_text()), flat(pdf.pages[-1].extract_text())
    return pages, first, last


SIGNER = {
    "name": "Drs. Ahmad Fauzi, M.Si.",
    "position": "Inspektur Kota Bukittinggi",
    "nip": "19700101 199503 1 002",
    "place": "Bukittinggi",
    "date": "2024-09-26",
}


def recap_pdf(client, started_job, ceremony, filters=None):
    """Start the recap PDF with the signer above (and the page's filters), run it, download it."""
    url = reverse("inspektorat:recap_pdf", args=[ceremony.pk])
    form = client.get(url, filters or {})
    assert form.status_code == 200 and 'id="start-recap"' in form.content.decode()
    job, data = started_job(url, {**SIGNER, **(filters or {})})
    return job, data


def test_recap_pdf_of_a_thousand_invitees_reads_back(client, thousand, started_job):
    world = thousand
    client.force_login(world.auditor_a)
    job, data = recap_pdf(client, started_job, world.ceremony_a)
    assert job.filename == f"rekap-apel{world.ceremony_a.pk}.pdf"
    assert job.content_type == "application/pdf"
    assert job.result["rows"] == 1000

    pages, first, last = read_pdf(data)
    count = len(pages)
    assert count > 10  # 1,000 rows run over many pages
    assert f"Halaman 1 dari {count}" in first
    assert f"Halaman {count} dari {count}" in last
    for number, text in enumerate(pages, start=1):
        assert f"Halaman {number} dari {count}" in text
        assert "Dicetak pada" in text and "oleh auditor_a" in text

    # The first page: letterhead, title, the apel, the totals per unit.
    assert "PEMERINTAH KOTA UJI" in first
    assert "REKAPITULASI PENANDATANGANAN PAKTA INTEGRITAS NETRALITAS ASN" in first
    ceremony = world.ceremony_a
    for expected in [
        ceremony.title,
        ceremony.place,
        ceremony.leader,
        "KPU Kota Bukittinggi; Bawaslu Kota Bukittinggi",
        "Pemilihan Kepala Daerah Tahun 2024",
    ]:
        assert expected in first, expected
    assert "Dinas Kesehatan 500 300 200 60,0" in first
    assert "Dinas Pendidikan 496 300 196 60,5" in first
    assert "Sekretariat Daerah 3 0 3 0,0" in first
    assert "Jumlah 1000 600 400 60,0" in first

    # The list of invitees, from the page after the totals: its header row on every page.
    list_pages = [text for text in pages if "Pegawai Kesehatan" in text or "Pegawai Pendidikan" in text]
    assert "B. Daftar pegawai yang diundang" in list_pages[0]
    for text in list_pages:
        assert text.startswith(HEADER) or f" {HEADER} " in text, text[:200]
    everything = " ".join(pages)
    for number in (1, 250, 500):
        assert f"Pegawai Kesehatan {number:05d}" in everything
    assert "Pegawai Pendidikan 00496" in everything
    assert " 1000 Pegawai Uji" in everything  # numbered to the last invitee
    # A signer's row: number, name, NIP, unit, status and time (agency zone, as officials write it), in one line.
    signature = Signature.objects.get(signer__name="Pegawai Pendidikan 00123")
    local = signature.signed_at.astimezone(world.agency_a.tzinfo)
    when = f"{tanggal(local)}, {local:%H.%M}"
    nip = signature.signer["id_number"]
    assert f"Pegawai Pendidikan 00123 NIP {nip} Dinas Pendidikan Sudah {when}" in everything
    # A non-signer's row.
    assert re.search(r"Pegawai Kesehatan 00450 NIP \d{8} \d{6} \d \d{3} Dinas Kesehatan Belum -", everything)
    assert everything.count(" Sudah ") == 600 + 1  # each signer, and the totals' header
    # It ends with the signature block of the official who signs it.
    assert "Bukittinggi, 26 September 2024 Inspektur Kota Bukittinggi Drs. Ahmad Fauzi, M.Si." in last
    assert "Drs. Ahmad Fauzi, M.Si. NIP 19700101 199503 1 002" in last


def test_recap_pdf_of_one_unit(client, world, sign, started_job):
    sign(world.invitations_a[3])  # in the sub-unit "Bagian Umum"
    client.force_login(world.auditor_a)
    job, data = recap_pdf(client, started_job, world.ceremony_a, {"unit": world.subunit_a.pk})
    assert job.filename == f"rekap-apel{world.ceremony_a.pk}-bagian-umum.pdf"  # the unit by its name
    pages, first, last = read_pdf(data)
    assert "Unit kerja : Bagian Umum" in first
    everything = " ".join(pages)
    assert world.employees_a[3].name in everything
    assert world.employees_a[0].name not in everything
    assert "Jumlah 1 1 0 100,0" in first

    job, data = recap_pdf(client, started_job, world.ceremony_a, {"unit": world.unit_a.pk, "sub": "on"})
    assert job.filename == f"rekap-apel{world.ceremony_a.pk}-sekretariat-daerah-beserta-subunit.pdf"
    _, first, _ = read_pdf(data)
    assert "Bagian Umum beserta sub-unitnya" not in first and "Sekretariat Daerah beserta sub-unitnya" in first
    assert "Jumlah 4 1 3 25,0" in first
    # Another agency's unit is not quietly replaced by the whole ceremony.
    url = reverse("inspektorat:recap_pdf", args=[world.ceremony_a.pk])
    assert client.get(url, {"unit": world.unit_b.pk}).status_code == 404
    assert client.post(url, {**SIGNER, "unit": world.unit_b.pk}).status_code == 404


def test_recap_pdf_asks_who_signs_it_and_remembers(client, world, started_job):
    client.force_login(world.auditor_a)
    url = reverse("inspektorat:recap_pdf", args=[world.ceremony_a.pk])
    response = client.post(url, {**SIGNER, "name": "", "date": "0001-01-01"})
    assert response.status_code == 200  # the form again, nothing started
    assert response.context["form"].errors.keys() == {"name", "date"}
    recap_pdf(client, started_job, world.ceremony_a)
    # The next recap of this agency starts from the same official.
    initial = client.get(url).context["form"].initial
    assert initial["name"] == SIGNER["name"] and initial["position"] == SIGNER["position"]


@pytest.fixture
def wita_mix(world):
    """Agency A in WITA, with a PNS, a PPPK and a non-ASN (NIK only) who signed just
    after midnight WITA on 7 December 2026 (16:02 UTC on the 6th)."""
    world.agency_a.time_zone = "Asia/Makassar"
    world.agency_a.save()
    people = [
        factories.employee(world.agency_a, unit=world.unit_a, name="Andi PNS", nip="198001012005011001"),
        factories.employee(
            world.agency_a, unit=world.unit_a, name="Badu PPPK", employment_type="PPPK", nip="199001012023212001"
        ),
        factories.employee(
            world.agency_a,
            unit=world.unit_a,
            name="Cici Non-ASN",
            employment_type="NON_ASN",
            nip=None,
            nik="1375014101900001",
        ),
    ]
    invitations = invite_employees(world.ceremony_a, people)
    bulk_sign(invitations, start=datetime.datetime(2026, 12, 6, 16, 2, 43, tzinfo=datetime.UTC))
    return world


def pdftotext(data, tmp_path):
    source = tmp_path / "rekap.pdf"
    source.write_bytes(data)
    return flat(
        subprocess.run(["pdftotext", "-layout", source, "-"], check=True, capture_output=True, text=True).stdout
    )


def test_recap_writes_times_as_officials_do_in_the_agencys_zone_and_labels_each_identity(
    client, wita_mix, started_job, tmp_path
):
    world = wita_mix
    client.force_login(world.auditor_a)
    _job, data = recap_pdf(client, started_job, world.ceremony_a)
    text = pdftotext(data, tmp_path)
    assert "No Nama NIP / NI PPPK / NIK Unit Kerja Status Waktu tanda tangan (WITA)" in text
    assert "Andi PNS NIP 19800101 200501 1 001 Sekretariat Daerah Sudah 7 Desember 2026, 00.02" in text
    assert "Badu PPPK NI PPPK 19900101 202321 2 001 Sekretariat Daerah Sudah 7 Desember 2026, 00.02" in text
    assert "Cici Non-ASN NIK …0001 Sekretariat Daerah Sudah 7 Desember 2026, 00.02" in text
    assert "2026-12-0" not in text and "00:02:4" not in text  # no machine timestamps
    assert " WIB" not in text  # not one time in the server's zone
    assert "Waktu tanda tangan dalam zona waktu WITA" in text

    # The same rows in the spreadsheet and the csv recap.
    _job, data = started_job(reverse("inspektorat:recap_table", args=[world.ceremony_a.pk, "xlsx"]))
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert (rows[0][2], rows[0][7]) == ("NIP / NI PPPK / NIK", "Waktu tanda tangan (WITA)")
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Badu PPPK"][2] == "NI PPPK 19900101 202321 2 001"
    assert by_name["Cici Non-ASN"][2] == "NIK …0001"
    assert by_name["Andi PNS"][2] == "NIP 19800101 200501 1 001"
    assert by_name["Andi PNS"][7] == "7 Desember 2026, 00.02"
    _job, data = started_job(reverse("inspektorat:recap_table", args=[world.ceremony_a.pk, "csv"]))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    by_name = {row["Nama"]: row for row in rows}
    assert by_name["Badu PPPK"]["NIP / NI PPPK / NIK"] == "NI PPPK 19900101 202321 2 001"
    assert by_name["Cici Non-ASN"]["Waktu tanda tangan (WITA)"] == "7 Desember 2026, 00.02"


@pytest.fixture
def hostile(world):
    """An employee whose name and rank would run as formulas in Excel."""
    employee = factories.employee(
        world.agency_a, unit=world.unit_a, name='=HYPERLINK("http://x","klik")', rank="+Penata"
    )
    invite_employees(world.ceremony_a, [employee])
    other = factories.employee(world.agency_a, unit=world.unit_a, name="@SUM(A1)", rank="-1+1")
    invite_employees(world.ceremony_a, [other])
    return employee


def test_recap_xlsx_escapes_formulas_and_keeps_the_nip_as_text(client, world, hostile, started_job):
    bulk_sign(world.invitations_a[:2])
    client.force_login(world.auditor_a)
    job, data = started_job(reverse("inspektorat:recap_table", args=[world.ceremony_a.pk, "xlsx"]))
    assert job.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "No",
        "Nama",
        "NIP / NI PPPK / NIK",
        "Unit Kerja",
        "Jenis Kepegawaian",
        "Pangkat/Golongan",
        "Status",
        "Waktu tanda tangan (WIB)",
        "Kode verifikasi",
    )
    assert len(rows) == 1 + 6
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x","klik")' in names and "'@SUM(A1)" in names
    ranks = [row[5] for row in rows[1:]]
    assert "'+Penata" in ranks and "'-1+1" in ranks
    # No cell is a formula.
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
    # The NIP is text with every digit, as printed.
    nips = {row[2] for row in rows[1:]}
    assert next(iter(nips)).startswith("NIP 19850312")
    for row in sheet.iter_rows(min_row=2):
        assert row[2].data_type == "s"
    signed = [row for row in rows[1:] if row[6] == "Sudah"]
    assert len(signed) == 2 and all(re.fullmatch(r"\d{1,2} \w+ \d{4}, \d\d\.\d\d", row[7]) and row[8] for row in signed)


def test_recap_csv_escapes_formulas_and_follows_the_filters(client, world, hostile, started_job):
    bulk_sign(world.invitations_a[:1])
    client.force_login(world.auditor_a)
    url = reverse("inspektorat:recap_table", args=[world.ceremony_a.pk, "csv"])
    job, data = started_job(url)
    assert job.content_type.startswith("text/csv")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["No", "Nama", "NIP / NI PPPK / NIK"]
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x","klik")' in cells and "'@SUM(A1)" in cells and "'-1+1" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)

    # With the page's filter "Belum": only the five non-signers.
    _job, data = started_job(url, {"status": "belum"})
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 5 and {row[6] for row in rows[1:]} == {"Belum"}
    job, _data = started_job(url, {"unit": world.subunit_a.pk})
    assert job.filename == f"rekap-apel{world.ceremony_a.pk}-bagian-umum.csv"
