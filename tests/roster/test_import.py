"""The roster import (preview job, then import job): the rows agencies really send,
the rows that must never reach the database, and the files that must be refused."""

import codecs
import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEvent
from jobs.models import Job
from jobs.tasks import execute
from roster.imports import start_import, start_preview
from roster.models import Employee
from tests import factories

pytestmark = pytest.mark.django_db

NOT_EXCEL_ENCODING = "Berkas CSV bukan UTF-8/UTF-16/Windows-1252"
HEADERS = ["NIP", "NIK", "Nama", "Jenis Kepegawaian", "Pangkat/Golongan", "Jabatan", "Unit Kerja"]


@pytest.fixture
def agency():
    agency = factories.agency()
    factories.unit(agency, "Sekretariat Daerah")
    factories.unit(agency, "Dinas Kesehatan")
    return agency


def csv_bytes(rows, headers=HEADERS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows, headers=HEADERS, sheets=None):
    """An xlsx with ``rows`` on one sheet; ``sheets`` (name → rows) puts other sheets first."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, content in (sheets or {}).items():
        sheet = workbook.create_sheet(name)
        for row in content:
            sheet.append(row)
    sheet = workbook.create_sheet("Pegawai")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def preview(agency, data, name="pegawai.csv", full_roster=False):
    job = execute(start_preview(name, data, agency=agency, full_roster=full_roster, enqueue=False).pk)
    assert job.status == "done", job.message
    return job


def import_file(agency, data, name="pegawai.csv", full_roster=False):
    """Preview and confirm, as the page does; returns the import job."""
    job = execute(start_import(preview(agency, data, name, full_roster), enqueue=False).pk)
    assert job.status == "done", job.message
    return job


def counts(job):
    return {kind: count for kind, count in job.result["counts"].items() if count}


def rejected(job):
    return {row: messages for row, _name, _identifier, messages in job.result["rejected"]}


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
        ],
        ["198102022006042002", "", "Tetap Sama, S.H.", "PNS", "Penata (III/c)", "Kasubbag", "Dinas Kesehatan"],
        ["'199009132025242014", "", "Pegawai PPPK, S.Kom.", "PPPK", "IX", "Pranata Komputer", "Dinas Kesehatan"],
        ["", "1371010101900001", "Honorer Satu", "Honorer", "", "Pramubakti", "Sekretariat Daerah"],
        ["198503122010031", "", "Terlalu Pendek", "PNS", "", "", ""],  # invalid length
        ["1.98001E+17", "", "Dari Excel", "PNS", "", "", ""],  # Excel number
        ["198002302005011003", "", "Tanggal Mustahil", "PNS", "", "", ""],  # 30 February
        ["198001012005013004", "", "Kode Kelamin Salah", "PNS", "", "", ""],  # sex digit 3
        ["198001012005011005", "", "Unit Tak Dikenal", "PNS", "", "", "Dinas Pariwisata"],  # unknown unit
        ["198001012005011006", "", "", "PNS", "", "", ""],  # no name
    ]
    job = preview(agency, csv_bytes(rows))
    assert counts(job) == {"new": 2, "changed": 1, "unchanged": 1, "rejected": 6}
    assert not Employee.objects.filter(name="Pegawai PPPK, S.Kom.").exists()  # a preview writes nothing
    job = execute(start_import(job, enqueue=False).pk)
    assert counts(job) == {"new": 2, "changed": 1, "unchanged": 1, "rejected": 6}
    errors = rejected(job)  # spreadsheet rows: the header is row 1
    assert sorted(errors) == [6, 7, 8, 9, 10, 11]
    assert "18 digit" in errors[6][0]
    assert "Teks" in errors[7][0]
    assert "tanggal lahir" in errors[8][0]
    assert "digit ke-15 (3)" in errors[9][0]
    assert "Dinas Pariwisata" in errors[10][0]
    assert "Nama wajib" in errors[11][0]
    existing.refresh_from_db()
    assert existing.name == "Baru Namanya, S.E."
    assert existing.unit.name == "Sekretariat Daerah"
    assert Employee.objects.filter(agency=agency).count() == 4
    assert Employee.objects.get(nip="199009132025242014").employment_type == "PPPK"
    assert Employee.objects.get(nik="1371010101900001").employment_type == "NON_ASN"
    changed = job.result["changed"][0]
    assert changed[0] == 2 and "Nama: Lama, S.E. → Baru Namanya, S.E." in changed[3]
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert "pegawai.csv: 2 baru, 1 diubah, 1 tetap, 6 ditolak" in event.description


def test_the_file_and_the_parsed_rows_are_kept_no_longer_than_needed(agency, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    job = start_preview("p.csv", csv_bytes([["198001012005011001", "", "Satu"]]), agency=agency, full_roster=False)
    upload = job.params["upload"]
    assert default_storage.exists(upload)
    job = execute(job.pk)
    assert not default_storage.exists(upload) and default_storage.exists(job.params["parsed"])
    with django_capture_on_commit_callbacks(execute=True):
        execute(start_import(job, enqueue=False).pk)
    assert not default_storage.exists(job.params["parsed"])


def test_reimport_updates_and_never_duplicates(agency):
    rows = [["198001012005011001", "", "Satu, S.E.", "PNS", "", "", ""]]
    import_file(agency, csv_bytes(rows))
    rows[0][2] = "Satu Diperbarui, S.E."
    assert counts(import_file(agency, csv_bytes(rows))) == {"changed": 1}
    assert counts(import_file(agency, csv_bytes(rows))) == {"unchanged": 1}
    assert Employee.objects.get().name == "Satu Diperbarui, S.E."


def test_duplicate_nip_in_one_file_rejects_every_copy(agency):
    rows = [
        ["198001012005011001", "", "Pertama", "PNS", "", "", ""],
        ["198001012005011002", "", "Lain", "PNS", "", "", ""],
        ["19800101 200501 1 001", "", "Kedua", "PNS", "", "", ""],
    ]
    job = import_file(agency, csv_bytes(rows))
    assert counts(job) == {"new": 1, "rejected": 2}
    errors = rejected(job)
    assert "lebih dari sekali" in errors[2][0] and "baris 2, 4" in errors[2][0]
    assert Employee.objects.get().name == "Lain"


def test_nip_of_another_agency_is_refused(agency):
    other = factories.agency()
    factories.employee(other, nip="198001012005011001", name="Milik Instansi Lain")
    job = import_file(agency, csv_bytes([["198001012005011001", "", "Pencuri", "PNS", "", "", ""]]))
    assert counts(job) == {"rejected": 1}
    assert "instansi lain" in rejected(job)[2][0]
    assert Employee.objects.get(nip="198001012005011001").name == "Milik Instansi Lain"


def test_non_asn_with_nip_or_without_nik(agency):
    rows = [
        ["198001012005011001", "", "Honorer Ber-NIP", "Non-ASN", "", "", ""],
        ["", "", "Honorer Tanpa NIK", "Non-ASN", "", "", ""],
        ["", "12345", "NIK Pendek", "Non-ASN", "", "", ""],
        ["", "١٣٧١٠١٠١٠١٩٠٠٠٠١", "NIK Angka Arab", "Non-ASN", "", "", ""],
    ]
    job = import_file(agency, csv_bytes(rows))
    assert counts(job) == {"rejected": 4}
    errors = rejected(job)
    assert "tidak memakai NIP" in errors[2][0]
    assert "wajib punya NIK" in errors[3][0]
    assert "16 digit" in errors[4][0]
    # Digits of another script are named as such (roster.nip), as on the employee form.
    assert "angka selain 0–9" in errors[5][0]


def test_header_spellings_from_bkd_exports(agency):
    rows = [["19800101 200501 1 001", "Drs. Bkd Ekspor", "Penata (III/c)", "Kabag", "sekretariat daerah"]]
    data = csv_bytes(rows, headers=["NIP BARU", "NAMA LENGKAP", "GOL", "JABATAN", "OPD"])
    assert counts(import_file(agency, data)) == {"new": 1}
    employee = Employee.objects.get()
    assert (employee.name, employee.rank, employee.unit.name, employee.employment_type) == (
        "Drs. Bkd Ekspor",
        "Penata (III/c)",
        "Sekretariat Daerah",
        "PNS",
    )


def test_title_lines_above_the_header_keep_the_row_numbers(agency):
    data = b"DAFTAR PEGAWAI PEMKOT UJI\n\nNIP,Nama\n198001012005011001,Satu\n1980,Dua\n"
    job = import_file(agency, data)
    assert counts(job) == {"new": 1, "rejected": 1}
    assert list(rejected(job)) == [5]


HOSTILE = [
    ["198001012005011001", "", "Pangkat Kepanjangan", "PNS", "P" * 101, "", ""],
    ["198001012005011002", "", "Nama\x00Dengan NUL", "PNS", "", "", ""],
    ["198001012005011003", "", "Budi \u202eatreS\u202c Santoso", "PNS", "", "", ""],
    ["198001012005011004", "", "N" * 201, "PNS", "", "", ""],
    ["198001012005011005", "", "Jabatan Kepanjangan", "PNS", "", "J" * 301, ""],
    ["198001012005011006", "", "Baik Saja", "PNS", "Penata (III/c)", "Analis", ""],
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_what_the_preview_accepts_the_confirm_stores(agency, kind):
    """Lengths, NUL bytes and bidi controls are checked row by row in the preview; the
    confirm then stores exactly the rows the preview accepted, never refusing the file."""
    # An xlsx cannot hold a NUL (XML forbids it): there, another invisible control.
    rows = [[cell.replace("\x00", "\u2066") if kind == "xlsx" else cell for cell in row] for row in HOSTILE]
    data = xlsx_bytes(rows) if kind == "xlsx" else csv_bytes(rows)
    job = preview(agency, data, f"pegawai.{kind}")
    assert counts(job) == {"new": 1, "rejected": 5}
    errors = rejected(job)
    assert "Pangkat/Golongan terlalu panjang: 101 karakter, paling banyak 100" in errors[2][0]
    assert "karakter tak terlihat" in errors[3][0]
    assert "karakter tak terlihat" in errors[4][0]
    assert "Nama terlalu panjang: 201 karakter" in errors[5][0]
    assert "Jabatan terlalu panjang: 301 karakter" in errors[6][0]
    job = execute(start_import(job, enqueue=False).pk)
    assert job.status == "done" and counts(job) == {"new": 1, "rejected": 5}
    assert list(Employee.objects.values_list("name", flat=True)) == ["Baik Saja"]


def test_a_row_the_database_still_refuses_is_named_and_the_rest_kept(agency):
    """Between the preview and the confirm someone else takes a NIP: the confirm names
    the row, in Indonesian, and stores the others."""
    rows = [["198001012005011001", "", "Satu", "PNS", "", "", ""], ["198001012005011002", "", "Dua", "PNS", "", "", ""]]
    job = preview(agency, csv_bytes(rows))
    other = factories.agency()
    factories.employee(other, nip="198001012005011002", name="Diambil Instansi Lain")
    job = execute(start_import(job, enqueue=False).pk)
    assert counts(job) == {"new": 1, "rejected": 1}
    assert "instansi lain" in rejected(job)[3][0]
    assert Employee.objects.get(nip="198001012005011001").name == "Satu"


def test_xlsx_with_nip_as_text_and_as_number(agency):
    rows = [
        ["198001012005011001", None, "Teks Benar", "PNS", None, None, None],
        [198001012005011002, None, "Angka Integer", "PNS", None, None, None],
        [1.98001012005011e17, None, "Angka Float", "PNS", None, None, None],
    ]
    job = import_file(agency, xlsx_bytes(rows), "pegawai.xlsx")
    assert counts(job) == {"new": 1, "rejected": 2}
    errors = rejected(job)
    assert all("Format kolom NIP sebagai Teks" in errors[n][0] for n in (3, 4))
    assert list(Employee.objects.values_list("nip", flat=True)) == ["198001012005011001"]


def test_xlsx_whose_data_is_on_another_sheet_is_read(agency):
    sheets = {"Petunjuk": [["Isi lembar Pegawai."]], "Kosong": []}
    job = import_file(agency, xlsx_bytes([["198001012005011001", None, "Di Lembar Ketiga"]], sheets=sheets), "p.xlsx")
    assert counts(job) == {"new": 1}
    assert job.result["counts"]["new"] == 1 and Employee.objects.get().name == "Di Lembar Ketiga"


def test_full_roster_deactivates_the_missing(agency):
    stays = factories.employee(agency, nip="198001012005011001", name="Tetap")
    leaves = factories.employee(agency, nip="198001012005011002", name="Pergi")
    job = preview(agency, csv_bytes([[stays.nip, "", "Tetap", "PNS", "", "", ""]]), full_roster=True)
    assert job.result["missing_count"] == 1 and job.result["missing"] == ["Pergi"]
    job = execute(start_import(job, enqueue=False).pk)
    assert job.result["deactivated"] == 1
    leaves.refresh_from_db()
    assert not leaves.is_active


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_command_line_runs_the_same_jobs(agency, tmp_path, capsys):
    rows = [["198001012005011001", "", "Satu", "PNS", "", "", ""], ["1980", "", "Rusak", "PNS", "", "", ""]]
    path = write(tmp_path, "siasn.csv", csv_bytes(rows))
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(agency.pk), path, "--dry-run")
    assert refused.value.returncode == 1
    out = capsys.readouterr().out
    assert "Pratinjau (tidak ada yang disimpan): 1 baru, 0 diubah, 0 tetap, 1 ditolak" in out
    assert "Baris 3 (Rusak): NIP harus 18 digit" in out
    assert not Employee.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_roster", str(agency.pk), path)
    assert "Impor selesai: 1 baru" in capsys.readouterr().out
    assert Employee.objects.get().name == "Satu"
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert (event.user, event.username, event.agency) == (None, "manage.py import_roster", agency)
    # No rejected row: exit status 0.
    call_command("import_roster", str(agency.pk), write(tmp_path, "ok.csv", csv_bytes(rows[:1])))
    assert "0 baru, 0 diubah, 1 tetap, 0 ditolak" in capsys.readouterr().out
    with pytest.raises(CommandError) as unreadable:
        call_command("import_roster", str(agency.pk), write(tmp_path, "x.xlsx", b"PK\x03\x04 not really"))
    assert unreadable.value.returncode == 1 and "rusak" in str(unreadable.value)


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("a.xlsx", b"just text", "bukan Excel .xlsx"),
        ("a.xlsx", b"PK\x03\x04garbage", "rusak atau tidak lengkap"),
        ("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "format Excel lama (.xls) atau dilindungi"),
        ("a.csv", b"", "Berkas kosong"),
        ("a.csv", b"Pegawai,Kantor\nx,y\n", "tidak memuat kolom Nama dan NIP"),
        ("a.csv", b'NIP,Nama\n1,"' + b"x" * 20_000 + b'"\n', "lebih dari 10.000 karakter"),
    ],
)
def test_file_errors_are_indonesian(agency, name, data, words, tmp_path):
    """Every file-level problem is told in Indonesian, never in a library's English."""
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(agency.pk), write(tmp_path, name, data))
    message = str(refused.value)
    assert words in message, message
    for english in ("zip file", "field larger", "Error", "line contains", "expected"):
        assert english not in message


NAMES = ["Andrés Ma’ruf, S.E.", "Zoë Müller – Siregar", "Budi Santoso"]


def excel_csv(encoding, delimiter=","):
    """The roster as Excel writes it: "CSV UTF-8" (with its BOM), "CSV (Comma delimited)"
    on an older Windows (Windows-1252), "Unicode Text" (UTF-16LE with BOM, tab-separated)."""
    rows = [["198001012005011001", "", NAMES[0]], ["198102022006042002", "", NAMES[1]], [factories.nip(), "", NAMES[2]]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["NIP", "NIK", "Nama"])
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize(
    "encoding, delimiter",
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("utf-8-sig", ";"),
        ("utf-16", "\t"),  # Python writes the BOM, in the machine's order (little-endian, as Excel)
        ("utf-16", ","),
        ("utf-16-be", "\t"),
        ("cp1252", ","),
        ("cp1252", ";"),
    ],
)
def test_every_csv_excel_writes_is_read_right(agency, encoding, delimiter):
    data = excel_csv(encoding, delimiter)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    job = preview(agency, data)
    assert [name for _row, name, _identifier in job.result["new"]] == NAMES


GARBLED = {
    # 山田 in Shift-JIS reads as "ŽR“c" in Windows-1252: the example.
    "shift-jis, one name": ("198001012005011001,山田\n", "shift_jis"),
    "shift-jis": ("198001012005011001,山田太郎,総務部\n198102022006042002,佐藤花子,人事課\n", "shift_jis"),
    "gbk": ("198001012005011001,王小明,秘书处\n", "gbk"),
    "big5": ("198001012005011001,王小明,秘書處\n", "big5"),
    "windows-1251": ("198001012005011001,Иван Петров,Секретариат\n", "cp1251"),
    "koi8-r": ("198001012005011001,Иван Петров,Секретариат\n", "koi8_r"),
    "euc-kr": ("198001012005011001,김민수,비서실\n", "euc_kr"),
    "mac-roman": ("198001012005011001,Andrés Pérez,Setda\n", "mac_roman"),
    "utf-16 without its BOM": ("198001012005011001,Budi\n", "utf-16-le"),
    "utf-32": ("198001012005011001,Budi\n", "utf-32"),
}


@pytest.mark.parametrize("sample", GARBLED.values(), ids=GARBLED.keys())
def test_any_other_encoding_is_refused_by_name_before_a_preview(agency, sample, client, world, run_jobs, tmp_path):
    text, encoding = sample
    data = ("NIP,Nama,Unit Kerja\n" + text).encode(encoding)
    client.force_login(world.operator_a)
    response = client.post(reverse("roster:import"), {"file": SimpleUploadedFile("pegawai.csv", data)})
    assert response.status_code == 200 and NOT_EXCEL_ENCODING in response.content.decode()
    assert run_jobs() == [] and not Job.objects.exists()  # refused in the request: no preview
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(agency.pk), write(tmp_path, "a.csv", data))
    assert str(refused.value).startswith(NOT_EXCEL_ENCODING) and refused.value.returncode == 1
    assert not Job.objects.exists()


def test_xlsx_without_roster_columns_names_its_sheets(agency, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Kosong"
    data = workbook.create_sheet("Data")
    data.append(["Pegawai", "Kantor"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(agency.pk), write(tmp_path, "a.xlsx", buffer.getvalue()))
    message = str(refused.value)
    assert "Kosong (kosong)" in message and "Data (kolom: Pegawai, Kantor)" in message


def test_too_many_rows_are_refused_before_parsing(agency, tmp_path, settings):
    settings.ROSTER_MAX_ROWS = 50
    rows = [[factories.nip(80_000 + n), "", f"P {n}", "PNS", "", "", ""] for n in range(51)]
    for name, data in (("a.csv", csv_bytes(rows)), ("a.xlsx", xlsx_bytes(rows))):
        with pytest.raises(CommandError) as refused:
            call_command("import_roster", str(agency.pk), write(tmp_path, name, data))
        assert "lebih dari 50 baris; batasnya 50 baris" in str(refused.value)
    settings.ROSTER_MAX_MB = 0
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(agency.pk), write(tmp_path, "b.csv", csv_bytes(rows[:2])))
    assert "paling besar 0 MB" in str(refused.value)


def test_write_names_a_row_the_database_refuses(agency):
    """Defence in depth: were a row to pass the plan and still be refused (here a NIP
    taken after the plan was made), the write names that row and keeps the others."""
    from roster import import_rows
    from roster.reading import read_rows

    data = csv_bytes([["198001012005011001", "", "Satu", "PNS", "", "", ""], ["198001012005011002", "", "Dua"]])
    rows = import_rows.parse(read_rows("a.csv", data, import_rows.is_header))
    planned = import_rows.plan(agency, rows)
    factories.employee(agency, nip="198001012005011002", name="Baru Saja Ditambah")
    import_rows.write(agency, planned)
    assert [row[import_rows.NAME] for row in planned.new] == ["Satu"]
    ((row, messages),) = planned.rejected
    assert row[import_rows.ROW] == 3 and "NIP ini baru saja dipakai pegawai lain" in messages[0]
    assert Employee.objects.get(nip="198001012005011002").name == "Baru Saja Ditambah"
