"""The roster's columns — our titles and the other spellings real rosters use
(a BKD/SIASN export opened in Excel) — and the export through django-import-export.

The import reads these columns in ``roster.import_rows``: every row either
becomes a correct employee or gets an Indonesian error naming what to fix.
"""

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from netralitas.lib.spreadsheet import FormulaSafeExportMixin
from roster.contact import local_phone
from roster.models import Employee, EmploymentType

# Column titles in our template, and the other spellings found in real rosters.
COLUMNS = {
    "nip": "NIP",
    "nik": "NIK",
    "name": "Nama",
    "employment_type": "Jenis Kepegawaian",
    "rank": "Pangkat/Golongan",
    "position": "Jabatan",
    "unit": "Unit Kerja",
    "is_active": "Aktif",
    # Optional contact columns (reminders): a file without them leaves them as stored.
    "phone": "Nomor HP",
    "email": "Email",
}
HEADER_ALIASES = {
    "nip": "NIP",
    "nip baru": "NIP",
    "nip/ni pppk": "NIP",
    "ni pppk": "NIP",
    "nik": "NIK",
    "nama": "Nama",
    "nama lengkap": "Nama",
    "nama pegawai": "Nama",
    "jenis kepegawaian": "Jenis Kepegawaian",
    "jenis pegawai": "Jenis Kepegawaian",
    "status kepegawaian": "Jenis Kepegawaian",
    "status pegawai": "Jenis Kepegawaian",
    "pangkat/golongan": "Pangkat/Golongan",
    "pangkat / golongan": "Pangkat/Golongan",
    "pangkat": "Pangkat/Golongan",
    "golongan": "Pangkat/Golongan",
    "gol": "Pangkat/Golongan",
    "gol. ruang": "Pangkat/Golongan",
    "jabatan": "Jabatan",
    "unit kerja": "Unit Kerja",
    "unit": "Unit Kerja",
    "perangkat daerah": "Unit Kerja",
    "opd": "Unit Kerja",
    "aktif": "Aktif",
    "nomor hp": "Nomor HP",
    "no hp": "Nomor HP",
    "no. hp": "Nomor HP",
    "hp": "Nomor HP",
    "nomor handphone": "Nomor HP",
    "no handphone": "Nomor HP",
    "nomor ponsel": "Nomor HP",
    "nomor whatsapp": "Nomor HP",
    "no wa": "Nomor HP",
    "no. wa": "Nomor HP",
    "whatsapp": "Nomor HP",
    "telepon": "Nomor HP",
    "no telp": "Nomor HP",
    "no. telp": "Nomor HP",
    "email": "Email",
    "e-mail": "Email",
    "alamat email": "Email",
    "surel": "Email",
}
EMPLOYMENT_ALIASES = {
    "pns": EmploymentType.PNS,
    "cpns": EmploymentType.PNS,
    "pppk": EmploymentType.PPPK,
    "p3k": EmploymentType.PPPK,
    "non asn": EmploymentType.NON_ASN,
    "non-asn": EmploymentType.NON_ASN,
    "nonasn": EmploymentType.NON_ASN,
    "non pns": EmploymentType.NON_ASN,
    "honorer": EmploymentType.NON_ASN,
    "ptt": EmploymentType.NON_ASN,
    "thl": EmploymentType.NON_ASN,
}
TRUE_WORDS = {"1", "ya", "y", "aktif", "true", "yes"}
FALSE_WORDS = {"0", "tidak", "t", "n", "nonaktif", "non-aktif", "tidak aktif", "false", "no"}


class NipWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return value or ""


class EmploymentTypeWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return EmploymentType(value).label if value else ""


class ActiveWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return _("Ya") if value else _("Tidak")


class PhoneWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return local_phone(value)


class UnitWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class EmployeeResource(FormulaSafeExportMixin, resources.ModelResource):
    """The roster of one agency as a spreadsheet (the export, and the admin's export);
    its columns are the ones the import reads back (``roster.import_rows``)."""

    sheet_title = "Pegawai"

    nip = fields.Field(attribute="nip", column_name=COLUMNS["nip"], widget=NipWidget())
    nik = fields.Field(attribute="nik", column_name=COLUMNS["nik"], widget=NipWidget())
    name = fields.Field(attribute="name", column_name=COLUMNS["name"])
    employment_type = fields.Field(
        attribute="employment_type", column_name=COLUMNS["employment_type"], widget=EmploymentTypeWidget()
    )
    rank = fields.Field(attribute="rank", column_name=COLUMNS["rank"])
    position = fields.Field(attribute="position", column_name=COLUMNS["position"])
    unit = fields.Field(attribute="unit", column_name=COLUMNS["unit"], widget=UnitWidget())
    is_active = fields.Field(attribute="is_active", column_name=COLUMNS["is_active"], widget=ActiveWidget())
    phone = fields.Field(attribute="phone", column_name=COLUMNS["phone"], widget=PhoneWidget())
    email = fields.Field(attribute="email", column_name=COLUMNS["email"])

    class Meta:
        model = Employee
        fields = ("nip", "nik", "name", "employment_type", "rank", "position", "unit", "is_active", "phone", "email")

    def __init__(self, agency=None, **kwargs):
        super().__init__(**kwargs)
        self.agency = agency

    def get_queryset(self):
        employees = Employee.objects.select_related("unit").order_by("agency", "unit__name", "name")
        return employees.filter(agency=self.agency) if self.agency else employees
