from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from roster.models import Employee, Unit
from roster.nip import normalise_nip
from roster.reading import RosterFileError, check_upload


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas daftar pegawai (.xlsx atau .csv)"),
        help_text=_("Kolom: NIP, NIK, Nama, Jenis Kepegawaian, Pangkat/Golongan, Jabatan, Unit Kerja, Aktif."),
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
        for line in self.cleaned_data["names"].splitlines():
            name = " ".join(line.split())
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

    class Meta:
        model = Employee
        fields = ["employment_type", "nip", "nik", "name", "rank", "position", "unit", "is_active"]

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.agency = agency
        self.fields["unit"].queryset = Unit.objects.filter(agency=agency).order_by("name")
        self.fields["nip"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["nik"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean_nip(self):
        raw = (self.cleaned_data.get("nip") or "").strip()
        return normalise_nip(raw) if raw else None

    def clean_nik(self):
        nik = "".join((self.cleaned_data.get("nik") or "").split())
        return nik or None
