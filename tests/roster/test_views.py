"""The roster pages: list, edit, import with preview and confirm, export, units."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from roster.models import Employee, Unit
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "NIP,NIK,Nama,Jenis Kepegawaian,Pangkat/Golongan,Jabatan,Unit Kerja\n"


def csv_rows(*rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return HEADER + buffer.getvalue()


def upload(client, text, name="pegawai.csv", full_roster=False, encoding="utf-8"):
    data = {"file": SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")}
    if full_roster:
        data["full_roster"] = "on"
    return client.post(reverse("roster:import"), data)


def test_lists_show_only_the_own_agency(client, world):
    """Which pages a role may open is the shared matrix (tests/test_access.py); here,
    what a list shows, and that a foreign id refuses a POST too."""
    client.force_login(world.operator_a)
    html = client.get(reverse("roster:employees")).content.decode()
    assert world.employees_a[0].name in html
    assert world.employees_b[0].name not in html
    assert client.post(reverse("roster:employee_edit", args=[world.employees_b[0].pk]), {}).status_code == 404
    html = client.get(reverse("roster:units")).content.decode()
    assert world.unit_a.name in html and world.unit_b.name not in html


def test_search_by_name_and_nip(client, world):
    client.force_login(world.operator_a)
    target = world.employees_a[1]
    html = client.get(reverse("roster:employees"), {"q": str(target.identifier)}).content.decode()
    assert target.name in html
    assert world.employees_a[2].name not in html


def preview_page(client, run_jobs, response):
    """The preview job's page once its job ran: ``(job, html)``."""
    assert response.status_code == 302, response.content.decode()[:500]
    (job,) = run_jobs()
    assert response["Location"] == job.get_absolute_url()
    return job, client.get(response["Location"]).content.decode()


def test_preview_then_confirm_with_exact_counts(client, world, run_jobs):
    client.force_login(world.operator_a)
    existing = world.employees_a[0]
    same = world.employees_a[1]
    text = csv_rows(
        [existing.nip, "", existing.name, "PNS", "Pembina (IV/a)", existing.position, "Sekretariat Daerah"],  # changed
        [same.nip, "", same.name, "PNS", same.rank, same.position, "Sekretariat Daerah"],  # unchanged
        ["19900202 201501 2 003", "", "Baru Satu", "PNS", "", "", "Bagian Umum"],  # new
        ["'199009132025242014", "", "Baru PPPK", "PPPK", "IX", "", "Bagian Umum"],  # new
        ["1.99E+17", "", "Dari Excel", "PNS", "", "", ""],  # rejected: an Excel number
        ["199002302015012003", "", "Tanggal Salah", "PNS", "", "", ""],  # rejected: 30 February
        ["199002022015012004", "", "Unit Asing", "PNS", "", "", "Dinas Komunikasi dan Informatika"],  # B's unit
    )
    job, html = preview_page(client, run_jobs, upload(client, text))
    assert job.result["counts"] == {"new": 2, "changed": 1, "unchanged": 1, "rejected": 3}
    assert 'id="count-new">2<' in html and 'id="count-rejected">3<' in html
    assert "Pangkat/Golongan: Penata Muda (III/a) → Pembina (IV/a)" in html
    assert "Format kolom NIP sebagai Teks" in html
    assert "bukan tanggal lahir" in html
    assert "Dinas Komunikasi dan Informatika" in html
    rejected = [(row[0], row[1]) for row in job.result["rejected"]]
    assert rejected == [(6, "Dari Excel"), (7, "Tanggal Salah"), (8, "Unit Asing")]  # the header is row 1
    assert Employee.objects.filter(agency=world.agency_a).count() == 4  # nothing written yet

    confirm = reverse("roster:import_confirm", args=[job.pk])
    assert confirm in html
    imported, html = preview_page(client, run_jobs, client.post(confirm))
    assert "2 baru, 1 diubah, 1 tetap, 3 ditolak, 0 dinonaktifkan" in html
    existing.refresh_from_db()
    assert existing.rank == "Pembina (IV/a)"
    assert Employee.objects.filter(agency=world.agency_a).count() == 6
    assert Employee.objects.get(nip="199009132025242014").unit == world.subunit_a
    assert AuditEvent.objects.filter(action="import", agency=world.agency_a).count() == 1
    # Confirming twice leads to the import already made, and imports nothing again.
    response = client.post(confirm)
    assert response["Location"] == imported.get_absolute_url() and run_jobs() == []
    # Another operator (even of another agency) cannot confirm, or see, this preview.
    client.force_login(world.operator_b)
    assert client.post(confirm).status_code == 404
    assert client.get(job.get_absolute_url()).status_code == 404


def test_full_roster_marks_missing_employees_inactive(client, world, run_jobs):
    client.force_login(world.operator_a)
    keep = world.employees_a[0]
    text = csv_rows([keep.nip, "", keep.name, "PNS", "", "", "Sekretariat Daerah"])
    job, html = preview_page(client, run_jobs, upload(client, text, full_roster=True))
    assert job.result["missing_count"] == 3
    assert "3 pegawai aktif tidak tercantum" in html
    preview_page(client, run_jobs, client.post(reverse("roster:import_confirm", args=[job.pk])))
    assert list(Employee.objects.filter(agency=world.agency_a, is_active=True)) == [keep]
    assert Employee.objects.filter(agency=world.agency_b, is_active=True).count() == 2  # untouched


def test_semicolon_csv_in_windows_encoding(client, world, run_jobs):
    client.force_login(world.operator_a)
    text = "NIP;Nama;Unit Kerja\n19900202 201501 2 003;Siti Aisyah Nasution, S.Kom.;Sekretariat Daerah\n"
    job, _html = preview_page(client, run_jobs, upload(client, text, encoding="cp1252"))
    assert job.result["counts"]["new"] == 1


def test_unreadable_files_get_a_clear_answer_at_once(client, world, run_jobs):
    client.force_login(world.operator_a)
    response = client.post(
        reverse("roster:import"),
        {"file": SimpleUploadedFile("pegawai.pdf", b"%PDF-1.7", content_type="application/pdf")},
    )
    assert response.status_code == 200
    assert "Unggah berkas .xlsx (Excel) atau .csv" in response.content.decode()

    response = client.post(reverse("roster:import"), {"file": SimpleUploadedFile("rusak.xlsx", b"not a workbook")})
    assert response.status_code == 200 and "bukan Excel .xlsx" in response.content.decode()
    assert run_jobs() == []  # refused in the request: no job

    # Columns are only known once the file is read: the job fails with the reason.
    job, html = preview_page(client, run_jobs, upload(client, "Pegawai,Kantor\nA,B\n"))
    assert job.status == "failed"
    assert "tidak memuat kolom Nama dan NIP" in html
    assert "Simpan" not in html


def test_too_many_rows_are_refused_in_the_upload_with_the_limit(client, world, run_jobs, settings):
    settings.ROSTER_MAX_ROWS = 3
    client.force_login(world.operator_a)
    rows = [[factories.nip(60_000 + n), "", f"Pegawai {n}", "PNS", "", "", ""] for n in range(5)]
    response = upload(client, csv_rows(*rows))
    assert response.status_code == 200
    assert "lebih dari 3 baris; batasnya 3 baris per impor" in response.content.decode()
    assert run_jobs() == []


def test_admin_export_escapes_formula_cells(world):
    from import_export.formats.base_formats import XLSX

    from roster.resources import EmployeeResource

    factories.employee(world.agency_a, name='=HYPERLINK("http://evil")', position="+62 cmd", rank="@SUM(A1)")
    dataset = EmployeeResource(agency=world.agency_a).export()
    cells = [cell for row in dataset for cell in row if isinstance(cell, str)]
    for dangerous in ["=HYPERLINK", "+62", "@SUM"]:
        assert "'" + dangerous in "\n".join(cells)
        assert not any(cell.startswith(dangerous) for cell in cells)
    sheet = openpyxl.load_workbook(io.BytesIO(XLSX().export_data(dataset))).active
    assert '\'=HYPERLINK("http://evil")' in [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]


def test_xlsx_upload_with_excel_number(client, world, run_jobs):
    workbook = openpyxl.Workbook()
    workbook.active.append(["NIP", "Nama"])
    workbook.active.append([1.98001012005011e17, "Angka"])
    workbook.active.append(["198001012005011002", "Teks"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(world.operator_a)
    response = client.post(reverse("roster:import"), {"file": SimpleUploadedFile("pegawai.xlsx", buffer.getvalue())})
    job, _html = preview_page(client, run_jobs, response)
    assert job.result["counts"] == {"new": 1, "changed": 0, "unchanged": 0, "rejected": 1}


def test_export_escapes_and_template_keeps_nip_as_text(client, world, started_job):
    employee = world.employees_a[0]
    employee.position = "=1+1"
    employee.save()
    client.force_login(world.operator_a)
    _job, data = started_job(reverse("roster:export", args=["csv"]))
    csv_text = data.decode("utf-8-sig")
    assert "'=1+1" in csv_text
    assert world.employees_b[0].name not in csv_text
    _job, data = started_job(reverse("roster:export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]][:3] == ["NIP", "NIK", "Nama"]
    assert {sheet.cell(row=row, column=1).value for row in range(2, 6)} == {e.nip for e in world.employees_a}
    template = openpyxl.load_workbook(io.BytesIO(client.get(reverse("roster:template")).content)).active
    assert [cell.value for cell in template[1]][:3] == ["NIP", "NIK", "Nama"]
    assert template.cell(row=3, column=1).number_format == "@"
    assert template.cell(row=3, column=2).number_format == "@"


def test_edit_employee_validates_nip(client, world):
    client.force_login(world.operator_a)
    employee = world.employees_a[0]
    data = {
        "employment_type": "PNS",
        "nip": "19800101 200501 3 001",
        "name": employee.name,
        "unit": employee.unit_id,
        "is_active": "on",
    }
    response = client.post(reverse("roster:employee_edit", args=[employee.pk]), data)
    assert "harus 1 (laki-laki) atau 2 (perempuan)" in response.content.decode()
    data["nip"] = "19800101 200501 1 001"
    response = client.post(reverse("roster:employee_edit", args=[employee.pk]), data)
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.nip == "198001012005011001"
    data["unit"] = world.unit_b.pk
    response = client.post(reverse("roster:employee_edit", args=[employee.pk]), data)
    assert response.status_code == 200  # another agency's unit is not a choice


def test_units_bulk_add_and_no_cycles(client, world):
    client.force_login(world.operator_a)
    client.post(reverse("roster:units"), {"names": "Dinas A\nDinas B\n\nDinas A", "parent": world.unit_a.pk})
    assert set(Unit.objects.filter(parent=world.unit_a).values_list("name", flat=True)) == {
        "Bagian Umum",
        "Dinas A",
        "Dinas B",
    }
    response = client.post(reverse("roster:units"), {"names": "dinas a"})
    assert "Sudah ada: dinas a" in response.content.decode()
    response = client.post(
        reverse("roster:unit_edit", args=[world.unit_a.pk]), {"name": world.unit_a.name, "parent": world.subunit_a.pk}
    )
    assert response.status_code == 200
    assert "induk dari dirinya sendiri" in response.content.decode()
    assert Unit.objects.get(pk=world.unit_a.pk).parent is None


def test_operator_pages_render_in_the_agency_time_zone(client, world):
    world.agency_a.time_zone = "Asia/Jayapura"
    world.agency_a.save()
    client.force_login(world.operator_a)
    factories.ceremony(world.agency_a, title="Apel WIT", starts_at="2024-09-26T00:00:00+00:00")
    html = client.get(reverse("ceremonies:index")).content.decode()
    assert "26 September 2024, pukul 09.00 WIT" in html  # with its zone


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_roster_imports_back_unchanged(client, world, started_job, run_jobs, file_format):
    """The escapes an export adds (formulas, digits kept as text) come off on import:
    a name "=1+1" stays "=1+1", not "'=1+1", and every NIP keeps its 18 digits."""
    employee = world.employees_a[0]
    employee.name, employee.position, employee.rank = "=1+1", "@SUM(A1)", "-"
    employee.save()
    client.force_login(world.operator_a)
    _job, data = started_job(reverse("roster:export", args=[file_format]))
    if file_format == "csv":
        text = data.decode("utf-8-sig")
        # Excel reads ="…" as text: the NIP keeps its digits instead of becoming 1.98E+17.
        assert f'"=""{employee.nip}"""' in text
        assert f",{employee.nip}," not in text
        assert "'=1+1" in text and "'@SUM(A1)" in text
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert sheet.title == "Pegawai"
        assert "'=1+1" in [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    response = client.post(reverse("roster:import"), {"file": SimpleUploadedFile(f"pegawai.{file_format}", data)})
    job, _html = preview_page(client, run_jobs, response)
    assert job.result["counts"] == {"new": 0, "changed": 0, "unchanged": 4, "rejected": 0}


def test_admin_export_names_its_sheet(world):
    from import_export.formats.base_formats import XLSX

    from roster.resources import EmployeeResource

    data = XLSX().export_data(EmployeeResource(agency=world.agency_a).export())
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["Pegawai"]
