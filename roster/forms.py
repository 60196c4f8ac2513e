from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from netralitas.lib.forms import FilterForm
from netralitas.lib.text import validate_visible
from roster.contact import normalise_email, normalise_phone
from roster.models import Employee, EmploymentType, Unit
from roster.nip import normalise_nik, normalise_nip
from roster.reading import RosterFileError, check_upload


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas daftar pegawai (.xlsx atau .csv)"),
        help_text=_(
            "Kolom: NIP, NIK, Nama, Jenis Kepegawaian, Pangkat/Golongan, Jabatan, Unit Kerja, Aktif; "
            "boleh juga Nomor HP dan Email."
        ),
    )
    full_roster = forms.BooleanField(
        label=_("Ini daftar lengkap: tandai nonaktif pegawai aktif yang tidak tercantum di berkas"),
        required=False,
    )

    def clean_file(self):
        """Refuse at once what cannot be read or would cost too much (size, rows):
        nothing is parsed in the request; the preview runs in the background."""
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise ValidationError(_("Unggah berkas .xlsx (Excel) atau .csv."))
        if upload.size > settings.ROSTER_MAX_MB * 1024 * 1024:
            raise ValidationError(_("Berkas terlalu besar: paling besar %(mb)s MB.") % {"mb": settings.ROSTER_MAX_MB})
        data = upload.read()
        try:
            check_upload(name, data)
        except RosterFileError as error:
            raise ValidationError(str(error)) from None
        self.cleaned_data["data"] = data
        return upload


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "code", "parent"]

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.agency = agency
        parents = Unit.objects.filter(agency=agency)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.order_by("name")

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        duplicates = Unit.objects.filter(agency=self.instance.agency, name__iexact=name).exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise ValidationError(_("Unit dengan nama ini sudah ada."))
        return name


class BulkUnitForm(forms.Form):
    names = forms.CharField(
        label=_("Tambah beberapa unit sekaligus"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Satu nama unit per baris."),
    )
    parent = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=_("Di bawah unit"))

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["parent"].queryset = Unit.objects.filter(agency=agency).order_by("name")

    def clean_names(self):
        names = []
        limit = Unit._meta.get_field("name").max_length
        for line in self.cleaned_data["names"].splitlines():
            name = " ".join(line.split())
            validate_visible(name)
            if len(name) > limit:
                raise ValidationError(
                    _("Nama unit paling panjang %(limit)s karakter: %(name)s…") % {"limit": limit, "name": name[:40]}
                )
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
        if not names:
            raise ValidationError(_("Tulis minimal satu nama unit."))
        existing = set(Unit.objects.filter(agency=self.agency).values_list("name", flat=True))
        clashes = [name for name in names if name.casefold() in {e.casefold() for e in existing}]
        if clashes:
            raise ValidationError(_("Sudah ada: %(names)s.") % {"names": ", ".join(clashes)})
        return names


class EmployeeForm(forms.ModelForm):
    # Wider than the stored 18/16 digits: people type NIPs with spaces.
    nip = forms.CharField(label=_("NIP / NI PPPK"), max_length=40, required=False)
    nik = forms.CharField(label=_("NIK"), max_length=40, required=False)
    # Typed in any usual way (0812-…, +62 812 …); stored as 628… (roster.contact).
    phone = forms.CharField(
        label=_("Nomor HP"),
        max_length=30,
        required=False,
        help_text=_("Nomor seluler (WhatsApp) untuk pengingat, mis. 0812-3456-7890. Boleh kosong."),
    )
    email = forms.CharField(
        label=_("Email"), max_length=254, required=False, help_text=_("Untuk pengingat. Boleh kosong.")
    )

    class Meta:
        model = Employee
        fields = ["employment_type", "nip", "nik", "name", "rank", "position", "unit", "phone", "email", "is_active"]

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.agency = agency
        self.fields["unit"].queryset = Unit.objects.filter(agency=agency).order_by("name")
        self.fields["nip"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["nik"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["email"].widget.attrs.update({"inputmode": "email", "autocomplete": "off"})
        if self.instance.phone and not self.is_bound:
            self.initial["phone"] = self.instance.phone_local

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone"))

    def clean_email(self):
        return normalise_email(self.cleaned_data.get("email"))

    def clean_nip(self):
        raw = (self.cleaned_data.get("nip") or "").strip()
        return normalise_nip(raw) if raw else None

    def clean_nik(self):
        raw = (self.cleaned_data.get("nik") or "").strip()
        return normalise_nik(raw) if raw else None


class EmployeeFilterForm(FilterForm):
    """The roster list's filters: name or NIP, unit, employment type, status (active
    ones unless asked otherwise)."""

    ACTIVE, INACTIVE, ALL = "aktif", "nonaktif", "semua"

    q = forms.CharField(label=_("Cari nama atau NIP"), required=False, max_length=100)
    unit = forms.TypedChoiceField(label=_("Unit kerja"), required=False, coerce=int, empty_value=None)
    jenis = forms.ChoiceField(label=_("Jenis"), required=False, choices=[("", _("Semua")), *EmploymentType.choices])
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(ACTIVE, _("Aktif")), (INACTIVE, _("Nonaktif")), (ALL, _("Semua"))],
    )

    def __init__(self, data=None, *, units, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["unit"].choices = [("", _("Semua unit"))] + [(unit.pk, unit.name) for unit in units]

    def chosen_status(self):
        return self.filters().get("status", self.ACTIVE)

    def filter(self, employees):
        chosen = self.filters()
        if chosen.get("q"):
            employees = employees.search(chosen["q"])
        if "unit" in chosen:
            employees = employees.filter(unit_id=chosen["unit"])
        if chosen.get("jenis"):
            employees = employees.filter(employment_type=chosen["jenis"])
        if self.chosen_status() == self.ACTIVE:
            employees = employees.active()
        elif self.chosen_status() == self.INACTIVE:
            employees = employees.filter(is_active=False)
        return employees
