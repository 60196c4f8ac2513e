"""Roster import through EmployeeResource: the rows agencies really send."""

import io

import openpyxl
import pytest
import tablib
from import_export.formats.base_formats import CSV, XLSX

from roster.models import Employee
from roster.resources import EmployeeResource
from tests import factories

pytestmark = pytest.mark.django_db

HEADERS = ["NIP", "NIK", "Nama", "Jenis Kepegawaian", "Pangkat/Golongan", "Jabatan", "Unit Kerja"]


@pytest.fixture
def agency():
    agency = factories.agency()
    factories.unit(agency, "Sekretariat Daerah")
    factories.unit(agency, "Dinas Kesehatan")
    return agency


def csv_dataset(rows, headers=HEADERS):
    buffer = io.StringIO()
    dataset = tablib.Dataset(*rows, headers=headers)
    buffer.write(dataset.export("csv"))
    return CSV().create_dataset(buffer.getvalue())


def run_import(agency, dataset, dry_run=False):
    resource = EmployeeResource(agency=agency)
    result = resource.import_data(dataset, dry_run=dry_run)
    return resource, result


def totals(result):
    return {kind: count for kind, count in result.totals.items() if count}


def row_errors(result):
    return {
        number: [message for messages in error.error.message_dict.values() for message in messages]
        for number, error in ((row.number, row) for row in result.invalid_rows)
    }


def test_good_and_bad_rows_give_exact_counts(agency):
    existing = factories.employee(agency, nip="198001012005011001", name="Lama, S.E.")
    factories.employee(
        agency,
        nip="198102022006042002",
        name="Tetap Sama, S.H.",
        rank="Penata (III/c)",
        position="Kasubbag",
        unit=agency.units.get(name="Dinas Kesehatan"),
    )
    rows = [
        [
            "19800101 200501 1 001",
            "",
            "Baru Namanya, S.E.",
            "PNS",
            "Penata Muda (III/a)",
            "Analis",
            "Sekretariat Daerah",
        ],  # update
        [
            "198102022006042002",
            "",
            "Tetap Sama, S.H.",
            "PNS",
            "Penata (III/c)",
            "Kasubbag",
            "Dinas Kesehatan",
        ],  # unchanged
        ["'199009132025242014", "", "Pegawai PPPK, S.Kom.", "PPPK", "IX", "Pranata Komputer", "Dinas Kesehatan"],  # new
        ["", "1371010101900001", "Honorer Satu", "Honorer", "", "Pramubakti", "Sekretariat Daerah"],  # new non-ASN
        ["198503122010031", "", "Terlalu Pendek", "PNS", "", "", ""],  # invalid length
        ["1.98001E+17", "", "Dari Excel", "PNS", "", "", ""],  # Excel number
        ["198002302005011003", "", "Tanggal Mustahil", "PNS", "", "", ""],  # 30 February
        ["198001012005013004", "", "Kode Kelamin Salah", "PNS", "", "", ""],  # sex digit 3
        ["198001012005011005", "", "Unit Tak Dikenal", "PNS", "", "", "Dinas Pariwisata"],  # unknown unit
        ["198001012005011006", "", "", "PNS", "", "", ""],  # no name
    ]
    resource, result = run_import(agency, csv_dataset(rows))

    assert totals(result) == {"new": 2, "update": 1, "skip": 1, "invalid": 6}
    errors = row_errors(result)
    assert sorted(errors) == [5, 6, 7, 8, 9, 10]
    assert "18 digit" in errors[5][0]
    assert "Teks" in errors[6][0]
    assert "tanggal lahir" in errors[7][0]
    assert "digit ke-15 (3)" in errors[8][0]
    assert "Dinas Pariwisata" in errors[9][0]
    assert "Nama wajib" in errors[10][0]
    # Rows with errors do not stop the good ones, and nothing wrong is stored.
    existing.refresh_from_db()
    assert existing.name == "Baru Namanya, S.E."
    assert existing.unit.name == "Sekretariat Daerah"
    assert Employee.objects.filter(agency=agency).count() == 4
    assert Employee.objects.get(nip="199009132025242014").employment_type == "PPPK"
    assert Employee.objects.get(nik="1371010101900001").employment_type == "NON_ASN"
    assert not Employee.objects.filter(name__in=["Dari Excel", "Terlalu Pendek", "Tanggal Mustahil"]).exists()


def test_dry_run_reports_and_writes_nothing(agency):
    rows = [["198001012005011001", "", "Baru, S.E.", "PNS", "", "", "Sekretariat Daerah"]]
    _, result = run_import(agency, csv_dataset(rows), dry_run=True)
    assert totals(result) == {"new": 1}
    assert not Employee.objects.exists()


def test_reimport_updates_and_never_duplicates(agency):
    rows = [["198001012005011001", "", "Satu, S.E.", "PNS", "", "", ""]]
    run_import(agency, csv_dataset(rows))
    rows[0][2] = "Satu Diperbarui, S.E."
    _, result = run_import(agency, csv_dataset(rows))
    assert totals(result) == {"update": 1}
    _, result = run_import(agency, csv_dataset(rows))
    assert totals(result) == {"skip": 1}
    assert Employee.objects.get().name == "Satu Diperbarui, S.E."


def test_duplicate_nip_in_one_file_rejects_every_copy(agency):
    rows = [
        ["198001012005011001", "", "Pertama", "PNS", "", "", ""],
        ["198001012005011002", "", "Lain", "PNS", "", "", ""],
        ["19800101 200501 1 001", "", "Kedua", "PNS", "", "", ""],
    ]
    _, result = run_import(agency, csv_dataset(rows))
    assert totals(result) == {"new": 1, "invalid": 2}
    errors = row_errors(result)
    assert "lebih dari sekali" in errors[1][0] and "baris 2, 4" in errors[1][0]
    assert Employee.objects.get().name == "Lain"


def test_nip_of_another_agency_is_refused(agency):
    other = factories.agency()
    factories.employee(other, nip="198001012005011001", name="Milik Instansi Lain")
    rows = [["198001012005011001", "", "Pencuri", "PNS", "", "", ""]]
    _, result = run_import(agency, csv_dataset(rows))
    assert totals(result) == {"invalid": 1}
    assert "instansi lain" in row_errors(result)[1][0]
    assert Employee.objects.get(nip="198001012005011001").name == "Milik Instansi Lain"


def test_non_asn_with_nip_or_without_nik(agency):
    rows = [
        ["198001012005011001", "", "Honorer Ber-NIP", "Non-ASN", "", "", ""],
        ["", "", "Honorer Tanpa NIK", "Non-ASN", "", "", ""],
        ["", "12345", "NIK Pendek", "Non-ASN", "", "", ""],
    ]
    _, result = run_import(agency, csv_dataset(rows))
    assert totals(result) == {"invalid": 3}
    errors = row_errors(result)
    assert "tidak memakai NIP" in errors[1][0]
    assert "wajib punya NIK" in errors[2][0]
    assert "16 digit" in errors[3][0]


def test_header_spellings_from_bkd_exports(agency):
    rows = [["19800101 200501 1 001", "Drs. Bkd Ekspor", "Penata (III/c)", "Kabag", "sekretariat daerah"]]
    dataset = csv_dataset(rows, headers=["NIP BARU", "NAMA LENGKAP", "GOL", "JABATAN", "OPD"])
    _, result = run_import(agency, dataset)
    assert totals(result) == {"new": 1}
    employee = Employee.objects.get()
    assert (employee.name, employee.rank, employee.unit.name, employee.employment_type) == (
        "Drs. Bkd Ekspor",
        "Penata (III/c)",
        "Sekretariat Daerah",
        "PNS",
    )


def test_missing_required_columns_is_a_file_error(agency):
    _, result = run_import(agency, csv_dataset([["x", "y"]], headers=["Pegawai", "Kantor"]))
    assert result.has_errors()
    assert "kolom Nama dan NIP" in str(result.base_errors[0].error)
    assert not Employee.objects.exists()


def xlsx_dataset(rows, number_nip=False):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return XLSX().create_dataset(buffer.getvalue())


def test_xlsx_with_nip_as_text_and_as_number(agency):
    rows = [
        ["198001012005011001", None, "Teks Benar", "PNS", None, None, None],
        [198001012005011002, None, "Angka Integer", "PNS", None, None, None],
        [1.98001012005011e17, None, "Angka Float", "PNS", None, None, None],
    ]
    _, result = run_import(agency, xlsx_dataset(rows))
    assert totals(result) == {"new": 1, "invalid": 2}
    errors = row_errors(result)
    assert all("Format kolom NIP sebagai Teks" in errors[n][0] for n in (2, 3))
    assert list(Employee.objects.values_list("nip", flat=True)) == ["198001012005011001"]


def test_export_escapes_formula_cells(agency):
    factories.employee(agency, name='=HYPERLINK("http://evil")', position="+62 cmd", rank="@SUM(A1)")
    factories.employee(agency, name="-2+3", position="\tTab")
    dataset = EmployeeResource(agency=agency).export()
    cells = [cell for row in dataset for cell in row if isinstance(cell, str)]
    for dangerous in ["=HYPERLINK", "+62", "@SUM", "-2+3", "\tTab"]:
        assert "'" + dangerous in "\n".join(cells)
        assert not any(cell.startswith(dangerous) for cell in cells)
    # A round trip through xlsx keeps them as text.
    sheet = openpyxl.load_workbook(io.BytesIO(XLSX().export_data(dataset))).active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert '\'=HYPERLINK("http://evil")' in values
