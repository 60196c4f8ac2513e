"""An employee's phone and email: typed any usual way, stored in one shape (the
database refuses any other), carried through the form, the import and the export,
and shown masked outside the operator's pages."""

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from roster.contact import local_phone, mask_email, mask_phone, normalise_email, normalise_phone
from roster.models import Employee
from tests import factories
from tests.roster.test_import import csv_bytes, import_file, preview, rejected, xlsx_bytes

HEADERS = ["NIP", "NIK", "Nama", "Jenis Kepegawaian", "Unit Kerja", "No. HP", "E-mail"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("081234567890", "6281234567890"),
        ("0812-3456-7890", "6281234567890"),
        ("0812 3456 789", "628123456789"),
        ("+62 812-3456-7890", "6281234567890"),
        ("+62 (0)812 3456 7890", "6281234567890"),
        ("6281234567890", "6281234567890"),
        ("'081234567890", "6281234567890"),  # Excel's text marker
        ("81234567890", "6281234567890"),  # Excel dropped the leading zero
        (81234567890, "6281234567890"),
        (81234567890.0, "6281234567890"),
        ("0811-234-567", "62811234567"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_is_stored_in_one_shape(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "021-5551234",  # a landline
        "0812",
        "08123456789012345",
        "+1 415 555 0100",
        "0812-3456-789x",
        "٠٨١٢٣٤٥٦٧٨٩٠",  # Arabic-Indic digits
        "8.12346E+10",  # an Excel number that lost digits
        "62-0",
        "Budi",
    ],
)
def test_a_phone_that_is_no_indonesian_mobile_gets_a_clear_message(typed):
    with pytest.raises(ValidationError) as error:
        normalise_phone(typed)
    message = error.value.messages[0]
    assert "Nomor HP" in message and ("bukan nomor seluler Indonesia" in message or "angka Excel" in message)


def test_how_a_phone_and_an_email_are_shown():
    assert local_phone("6281234567890") == "0812-3456-7890"
    assert mask_phone("6281234567890") == "0812*****890"
    assert mask_phone("628123456789") == "0812****789"
    assert mask_email("budi.santoso@example.go.id") == "b***@example.go.id"
    assert normalise_email(" Budi@Example.GO.ID ") == "Budi@example.go.id"
    with pytest.raises(ValidationError, match="tidak valid"):
        normalise_email("budi@")


@pytest.mark.django_db
def test_the_database_refuses_any_other_shape():
    employee = factories.employee(factories.agency())
    for field, value in [("phone", "081234567890"), ("phone", "+6281234567890"), ("email", "tanpa-at")]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Employee.objects.filter(pk=employee.pk).update(**{field: value})
    Employee.objects.filter(pk=employee.pk).update(phone="6281234567890", email="budi@example.go.id")


@pytest.mark.django_db
def test_employee_form_takes_a_phone_as_people_write_it(client, world):
    client.force_login(world.operator_a)
    employee = world.employees_a[0]
    url = reverse("roster:employee_edit", args=[employee.pk])
    data = {
        "employment_type": "PNS",
        "nip": employee.nip,
        "name": employee.name,
        "unit": employee.unit_id,
        "phone": "021 555 1234",
        "email": "budi@",
        "is_active": "on",
    }
    html = client.post(url, data).content.decode()
    assert "Nomor HP “021 555 1234” bukan nomor seluler Indonesia" in html
    assert "Alamat email “budi@” tidak valid" in html
    data.update(phone="+62 812-3456-7890", email="Budi@Bukittinggi.GO.ID")
    assert client.post(url, data).status_code == 302
    employee.refresh_from_db()
    assert (employee.phone, employee.email) == ("6281234567890", "Budi@bukittinggi.go.id")
    assert 'value="0812-3456-7890"' in client.get(url).content.decode()


@pytest.mark.django_db
def test_import_reads_phone_and_email_and_refuses_a_bad_one():
    agency = factories.agency()
    factories.unit(agency, "Sekretariat Daerah")
    rows = [
        ["198001012005011001", "", "Budi, S.E.", "PNS", "Sekretariat Daerah", "0812-3456-7890", "budi@example.go.id"],
        ["198102022006042002", "", "Rina, S.H.", "PNS", "Sekretariat Daerah", "", ""],
        ["198203032007011003", "", "Salah Nomor", "PNS", "Sekretariat Daerah", "021-5551234", ""],
        ["198304042008012004", "", "Salah Email", "PNS", "Sekretariat Daerah", "", "bukan email"],
    ]
    job = import_file(agency, csv_bytes(rows, HEADERS))
    problems = rejected(job)
    assert "bukan nomor seluler Indonesia" in problems[4][0]
    assert "Alamat email “bukan email” tidak valid" in problems[5][0]
    budi = Employee.objects.get(nip="198001012005011001")
    assert (budi.phone, budi.email) == ("6281234567890", "budi@example.go.id")
    assert Employee.objects.get(nip="198102022006042002").phone == ""

    # xlsx: a number column (the zero gone) is still the number.
    job = import_file(
        agency,
        xlsx_bytes([["198102022006042002", "", "Rina, S.H.", "PNS", "Sekretariat Daerah", 81298765432, ""]], HEADERS),
        name="pegawai.xlsx",
    )
    assert job.result["counts"]["changed"] == 1
    assert Employee.objects.get(nip="198102022006042002").phone == "6281298765432"

    # A roster without the columns (SIASN's) leaves what was stored.
    data = csv_bytes([["198001012005011001", "", "Budi, S.E., M.M.", "PNS", "Sekretariat Daerah"]], HEADERS[:5])
    import_file(agency, data)
    budi.refresh_from_db()
    assert (budi.name, budi.phone, budi.email) == ("Budi, S.E., M.M.", "6281234567890", "budi@example.go.id")


@pytest.mark.django_db
def test_export_carries_the_contact_columns_back_to_the_import(client, world, started_job):
    employee = world.employees_a[0]
    Employee.objects.filter(pk=employee.pk).update(phone="6281234567890", email="budi@example.go.id")
    client.force_login(world.operator_a)
    _job, data = started_job(reverse("roster:export", args=["csv"]))
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][-2:] == ["Nomor HP", "Email"]
    assert ["0812-3456-7890", "budi@example.go.id"] in [row[-2:] for row in table]
    job = preview(world.agency_a, data)
    assert job.result["counts"]["changed"] == 0 and job.result["counts"]["rejected"] == 0

    _job, data = started_job(reverse("roster:export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]][-2:] == ["Nomor HP", "Email"]
    template = openpyxl.load_workbook(io.BytesIO(client.get(reverse("roster:template")).content)).active
    assert [cell.value for cell in template[1]][-2:] == ["Nomor HP", "Email"]
    assert template.cell(row=3, column=9).number_format == "@"  # Excel keeps the leading zero


HIDDEN = [
    ("0812\u202e3456-7890", "U+202E"),  # right-to-left override
    ("0812-3456-7890\u200b", "U+200B"),  # zero-width space
    ("\ufeff0812-3456-7890", "U+FEFF"),  # byte-order mark
    ("0812\u20283456\u20297890", "U+2028"),  # line separator
]
HIDDEN_EMAILS = [
    ("budi\u200b@example.go.id", "U+200B"),
    ("budi@exa\u202emple.go.id", "U+202E"),
    ("budi@example.go.id\u200d", "U+200D"),  # zero-width joiner
]


@pytest.mark.parametrize(("typed", "code"), HIDDEN)
def test_a_phone_with_hidden_characters_is_refused_not_stripped(typed, code):
    with pytest.raises(ValidationError) as error:
        normalise_phone(typed)
    message = error.value.messages[0]
    assert "Nomor HP" in message and "karakter tersembunyi" in message and code in message
    assert not any(char in message for char in "\u202e\u200b\ufeff\u2028\u2029")  # the message itself is clean


@pytest.mark.parametrize(("typed", "code"), HIDDEN_EMAILS)
def test_an_email_with_hidden_characters_is_refused_not_stripped(typed, code):
    with pytest.raises(ValidationError) as error:
        normalise_email(typed)
    message = error.value.messages[0]
    assert "Alamat email" in message and "karakter tersembunyi" in message and code in message


@pytest.mark.django_db
def test_hidden_characters_in_phone_or_email_are_refused_by_the_form_the_import_and_the_admin(client, world):
    employee = world.employees_a[0]
    Employee.objects.filter(pk=employee.pk).update(phone="6281111111111", email="lama@example.go.id")
    client.force_login(world.operator_a)
    url = reverse("roster:employee_edit", args=[employee.pk])
    data = {
        "employment_type": "PNS",
        "nip": employee.nip,
        "name": employee.name,
        "unit": employee.unit_id,
        "phone": "0812\u202e3456-7890",
        "email": "budi\u200b@example.go.id",
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nomor HP memuat karakter tersembunyi (U+202E)" in html
    assert "Alamat email memuat karakter tersembunyi (U+200B)" in html

    # The roster import: the row is refused with the same words, the rest imported.
    agency = world.agency_a
    rows = [
        [employee.nip, "", employee.name, "PNS", "Sekretariat Daerah", "0812-3456-7890\u200b", ""],
        ["198102022006042002", "", "Rina, S.H.", "PNS", "Sekretariat Daerah", "", "rina@exa\u202emple.go.id"],
        ["198203032007011003", "", "Rudi, S.T.", "PNS", "Sekretariat Daerah", "0813-1111-2222", "rudi@example.go.id"],
    ]
    job = import_file(agency, csv_bytes(rows, HEADERS))
    problems = rejected(job)
    assert "Nomor HP memuat karakter tersembunyi (U+200B)" in problems[2][0]
    assert "Alamat email memuat karakter tersembunyi (U+202E)" in problems[3][0]
    assert not Employee.objects.filter(nip="198102022006042002").exists()
    assert Employee.objects.get(nip="198203032007011003").phone == "6281311112222"
    job = import_file(
        agency,
        xlsx_bytes([[employee.nip, "", employee.name, "PNS", "Sekretariat Daerah", "\u202e081234567890", ""]], HEADERS),
        name="pegawai.xlsx",
    )
    assert "Nomor HP memuat karakter tersembunyi (U+202E)" in rejected(job)[2][0]

    # The Django admin.
    client.force_login(world.admin)
    admin_url = reverse("admin:roster_employee_change", args=[employee.pk])
    admin_data = {
        "agency": world.agency_a.pk,
        "unit": employee.unit_id,
        "employment_type": "PNS",
        "nip": employee.nip,
        "nik": "",
        "name": employee.name,
        "rank": "",
        "position": "",
        "phone": "0812-3456-7890\u200b",
        "email": "budi@example.go.id\u200d",
        "is_active": "on",
    }
    response = client.post(admin_url, admin_data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nomor HP memuat karakter tersembunyi (U+200B)" in html
    assert "Alamat email memuat karakter tersembunyi (U+200D)" in html

    employee.refresh_from_db()
    assert (employee.phone, employee.email) == ("6281111111111", "lama@example.go.id")  # nothing stored
