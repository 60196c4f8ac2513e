"""Import and export of an agency's employee roster (xlsx and csv), through
django-import-export.

Built for the rosters agencies really have (a BKD/SIASN export opened in Excel):
headers in several spellings, NIPs with spaces or an apostrophe, NIPs that Excel
turned into numbers. Every row either becomes a correct employee or gets an
Indonesian error naming what to fix; nothing is stored with a wrong NIP.

Fast on 10,000+ rows: one query loads the existing employees, one the units,
writes are bulk, and a dry run (the preview) writes nothing at all.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import RowResult

from netralitas.lib.spreadsheet import FormulaSafeExportMixin
from roster.models import Employee, EmploymentType
from roster.nip import normalise_nip, validate_nip

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


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class NipWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return normalise_nip(value)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class NikWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float | int):
            raise ValueError(_("NIK terbaca sebagai angka Excel; format kolom NIK sebagai Teks."))
        text = "".join(_text(value).lstrip("'").split())
        if not text:
            return None
        if not (len(text) == 16 and text.isdigit()):
            raise ValueError(_("NIK harus 16 digit angka: %(value)s.") % {"value": text})
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class EmploymentTypeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if not text:
            return EmploymentType.PNS if _text(row.get("NIP")) else EmploymentType.NON_ASN
        try:
            return EMPLOYMENT_ALIASES[text]
        except KeyError:
            raise ValueError(
                _("Jenis kepegawaian “%(value)s” tidak dikenal; isi PNS, PPPK atau Non-ASN.") % {"value": value}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return EmploymentType(value).label if value else ""


class ActiveWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if not text or text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(_("Kolom Aktif berisi “%(value)s”; isi Ya atau Tidak.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return _("Ya") if value else _("Tidak")


class UnitWidget(widgets.Widget):
    """Finds the unit by name among the agency's units, loaded once."""

    def __init__(self, units_by_name):
        super().__init__()
        self.units_by_name = units_by_name

    def clean(self, value, row=None, **kwargs):
        name = " ".join(_text(value).split())
        if not name:
            return None
        try:
            return self.units_by_name[name.casefold()]
        except KeyError:
            raise ValueError(
                _("Unit kerja “%(name)s” belum ada di instansi ini; tambahkan dulu di halaman Unit Kerja.")
                % {"name": name}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return " ".join(_text(value).split())


class EmployeeResource(FormulaSafeExportMixin, resources.ModelResource):
    """The roster of one agency. Rows are matched on NIP (or NIK for non-ASN)."""

    nip = fields.Field(attribute="nip", column_name=COLUMNS["nip"], widget=NipWidget())
    nik = fields.Field(attribute="nik", column_name=COLUMNS["nik"], widget=NikWidget())
    name = fields.Field(attribute="name", column_name=COLUMNS["name"], widget=TextWidget())
    employment_type = fields.Field(
        attribute="employment_type", column_name=COLUMNS["employment_type"], widget=EmploymentTypeWidget()
    )
    rank = fields.Field(attribute="rank", column_name=COLUMNS["rank"], widget=TextWidget())
    position = fields.Field(attribute="position", column_name=COLUMNS["position"], widget=TextWidget())
    unit = fields.Field(attribute="unit", column_name=COLUMNS["unit"])
    is_active = fields.Field(attribute="is_active", column_name=COLUMNS["is_active"], widget=ActiveWidget())

    COMPARED = ("nip", "nik", "name", "employment_type", "rank", "position", "unit_id", "is_active")

    class Meta:
        model = Employee
        fields = ("nip", "nik", "name", "employment_type", "rank", "position", "unit", "is_active")
        import_id_fields = ()
        use_bulk = True
        batch_size = 2000
        skip_diff = True
        report_skipped = True
        clean_model_instances = False
        use_transactions = True

    def __init__(self, agency=None, **kwargs):
        super().__init__(**kwargs)
        self.agency = agency
        units = agency.units.all() if agency else []
        self.fields["unit"].widget = UnitWidget({unit.name.casefold(): unit for unit in units})
        self._existing = {}
        self._duplicates = {}
        self._seen_ids = set()

    # -- export ------------------------------------------------------------

    def get_queryset(self):
        employees = Employee.objects.select_related("unit").order_by("agency", "unit__name", "name")
        return employees.filter(agency=self.agency) if self.agency else employees

    # -- import ------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        """Rename known header spellings, find NIPs that appear twice, and load
        the employees the file refers to in one query."""
        if self.agency is None:
            raise ValidationError(_("Pilih instansi tujuan impor."))
        dataset.headers = [HEADER_ALIASES.get(" ".join(_text(h).lower().split()), _text(h)) for h in dataset.headers]
        for optional in (COLUMNS["employment_type"], COLUMNS["is_active"]):
            # Absent columns are inferred (type from NIP/NIK) or defaulted (listed = active).
            if optional not in dataset.headers:
                dataset.append_col([""] * len(dataset), header=optional)
        if COLUMNS["name"] not in dataset.headers or not (
            COLUMNS["nip"] in dataset.headers or COLUMNS["nik"] in dataset.headers
        ):
            raise ValidationError(
                _(
                    "Berkas harus punya kolom %(name)s dan %(nip)s (atau %(nik)s untuk non-ASN). "
                    "Kolom yang ada: %(found)s."
                )
                % {
                    "name": COLUMNS["name"],
                    "nip": COLUMNS["nip"],
                    "nik": COLUMNS["nik"],
                    "found": ", ".join(h for h in dataset.headers if h) or "-",
                }
            )
        keys_by_row = {}
        for number, row in enumerate(dataset.dict, start=1):
            key = self._row_key(row)
            if key:
                keys_by_row.setdefault(key, []).append(number)
        self._duplicates = {key: rows for key, rows in keys_by_row.items() if len(rows) > 1}
        nips = [value for kind, value in keys_by_row if kind == "nip"]
        niks = [value for kind, value in keys_by_row if kind == "nik"]
        self._existing = {}
        chunk = 900  # stay under SQLite's bound-parameter limit
        for start in range(0, max(len(nips), len(niks)), chunk):
            query = Q(nip__in=nips[start : start + chunk]) | Q(nik__in=niks[start : start + chunk])
            for employee in Employee.objects.filter(query):
                if employee.nip:
                    self._existing[("nip", employee.nip)] = employee
                if employee.nik:
                    self._existing[("nik", employee.nik)] = employee

    @staticmethod
    def _row_key(row):
        try:
            nip = NipWidget().clean(row.get(COLUMNS["nip"]))
        except ValueError:
            nip = None
        if nip:
            return ("nip", nip)
        try:
            nik = NikWidget().clean(row.get(COLUMNS["nik"]))
        except ValueError:
            nik = None
        return ("nik", nik) if nik else None

    def get_instance(self, instance_loader, row):
        key = self._row_key(row)
        return self._existing.get(key) if key else None

    def init_instance(self, row=None):
        return Employee(agency=self.agency)

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._original_values = None if new else tuple(getattr(instance, f) for f in self.COMPARED)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        key = self._row_key(row)
        if key in self._duplicates:
            where = ", ".join(str(n + 1) for n in self._duplicates[key])
            errors.setdefault(key[0], []).append(
                ValidationError(
                    _("%(label)s %(value)s muncul lebih dari sekali dalam berkas (baris %(rows)s).")
                    % {"label": key[0].upper(), "value": key[1], "rows": where}
                )
            )
        if instance.pk and instance.agency_id != self.agency.pk:
            errors.setdefault("nip", []).append(
                ValidationError(
                    _(
                        "%(value)s sudah terdaftar di instansi lain; "
                        "minta instansi itu menonaktifkan atau memindahkannya."
                    )
                    % {"value": key[1] if key else ""}
                )
            )
        if not errors:
            self._check_instance(instance, errors)
        if errors:
            raise ValidationError(errors)

    def _check_instance(self, instance, errors):
        if not instance.name:
            errors["name"] = [ValidationError(_("Nama wajib diisi."))]
        if instance.employment_type in (EmploymentType.PNS, EmploymentType.PPPK):
            if not instance.nip:
                errors["nip"] = [ValidationError(_("PNS dan PPPK wajib punya NIP / NI PPPK."))]
            else:
                try:
                    validate_nip(instance.nip, instance.employment_type)
                except ValidationError as exc:
                    errors["nip"] = [ValidationError(message) for message in exc.messages]
        elif instance.nip:
            errors["nip"] = [ValidationError(_("Pegawai non-ASN tidak memakai NIP; kosongkan NIP dan isi NIK."))]
        elif not instance.nik:
            errors["nik"] = [ValidationError(_("Pegawai non-ASN wajib punya NIK (16 digit)."))]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        self._last_changes = []
        if import_validation_errors:
            return False
        previous = getattr(instance, "_original_values", None)
        if previous is None:
            return False
        current = tuple(getattr(instance, f) for f in self.COMPARED)
        self._last_changes = self._describe_changes(previous, current)
        return previous == current

    def _describe_changes(self, previous, current):
        """``["Jabatan: Analis → Kepala Bagian", …]`` for the preview."""
        labels = {**COLUMNS, "unit_id": COLUMNS["unit"]}
        units = {unit.pk: unit.name for unit in self.fields["unit"].widget.units_by_name.values()}
        changes = []
        for name, old, new in zip(self.COMPARED, previous, current, strict=True):
            if old != new:
                if name == "unit_id":
                    old, new = units.get(old), units.get(new)
                elif name == "is_active":
                    old, new = ActiveWidget().render(old), ActiveWidget().render(new)
                changes.append(f"{labels[name]}: {old or '–'} → {new or '–'}")
        return changes

    def after_import_row(self, row, row_result, **kwargs):
        row_result.changes = getattr(self, "_last_changes", [])
        self._last_changes = []
        if row_result.import_type in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
            RowResult.IMPORT_TYPE_SKIP,
        ):
            key = self._row_key(row)
            if key:
                self._seen_ids.add(key)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run:
            self.create_instances.clear()
            return
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run:
            self.update_instances.clear()
            return
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)

    def get_bulk_update_fields(self):
        return ["nip", "nik", "name", "employment_type", "rank", "position", "unit", "is_active", "updated_at"]

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk:
            instance.updated_at = timezone.now()

    def missing_employees(self):
        """Active employees of the agency that the imported file did not list: on a
        full roster they have left, and the operator may mark them inactive."""
        seen_nips = {value for kind, value in self._seen_ids if kind == "nip"}
        seen_niks = {value for kind, value in self._seen_ids if kind == "nik"}
        return [
            employee
            for employee in Employee.objects.filter(agency=self.agency).active().only("id", "nip", "nik", "name")
            if not (employee.nip in seen_nips or employee.nik in seen_niks)
        ]
