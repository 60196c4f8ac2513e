from django import forms
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ceremonies.models import Ceremony
from netralitas.lib.forms import FilterCheckbox, FilterForm, IdMultipleChoiceField
from pledges.models import PactTemplate
from pledges.pdf.certificates import certificate_status
from roster.models import Employee, Unit

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    """A phone- and tablet-friendly date-time picker; values are in the agency's zone
    (the operator's pages run in it, see ``roster.middleware``)."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class CeremonyForm(forms.ModelForm):
    class Meta:
        model = Ceremony
        fields = [
            "title",
            "election",
            "pact_template",
            "starts_at",
            "place",
            "leader",
            "witnesses",
            "signing_opens_at",
            "signing_closes_at",
            "late_grace_minutes",
        ]
        widgets = {
            "starts_at": LocalDateTimeInput(),
            "signing_opens_at": LocalDateTimeInput(),
            "signing_closes_at": LocalDateTimeInput(),
            "witnesses": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "signing_opens_at": _("Kosongkan untuk membuka penandatanganan dengan tombol saat apel."),
            "signing_closes_at": _("Kosongkan untuk menutup dengan tombol."),
        }

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.agency = agency
        for name in ("starts_at", "signing_opens_at", "signing_closes_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        # Left empty, no grace for late arrivals.
        self.fields["late_grace_minutes"].required = False
        # Offer the newest version of each pact, and the one already chosen.
        newest = PactTemplate.objects.filter(code=OuterRef("code")).order_by("-version").values("version")[:1]
        self.fields["pact_template"].queryset = PactTemplate.objects.filter(
            Q(version=Subquery(newest)) | Q(pk=self.instance.pact_template_id)
        )
        if self.instance.pk and self.instance.invitations.signed().exists():
            # Signatures already point at this version: it may not change under them.
            self.fields["pact_template"].disabled = True
            self.fields["pact_template"].help_text = _("Sudah ada tanda tangan: versi pakta tidak dapat diganti.")

    def clean_late_grace_minutes(self):
        return self.cleaned_data.get("late_grace_minutes") or 0

    def clean(self):
        # Dates and the window's order are the model's rules (Ceremony.clean).
        cleaned = super().clean()
        opens = cleaned.get("signing_opens_at")
        if opens and "signing_opens_at" in self.changed_data:
            # A window that opens by itself must not open for an agency that cannot seal.
            seal = certificate_status(self.instance.agency, now=max(opens, timezone.now()))
            if not seal.usable:
                self.add_error(
                    "signing_opens_at",
                    _("Penandatanganan tidak dapat dijadwalkan dibuka: %(reason)s Hubungi administrator sistem.")
                    % {"reason": seal.reason},
                )
        return cleaned


class InviteUnitsForm(forms.Form):
    units = IdMultipleChoiceField(
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label=_("Unit kerja"),
        error_messages={"required": _("Pilih minimal satu unit.")},
    )
    include_subunits = forms.BooleanField(
        label=_("Termasuk unit di bawahnya"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(agency=agency).order_by("name")


class InviteEmployeesForm(forms.Form):
    employees = IdMultipleChoiceField(
        queryset=Employee.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Pegawai"),
        error_messages={"required": _("Pilih minimal satu pegawai.")},
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employees"].queryset = Employee.objects.filter(agency=agency).active()

    def clean_employees(self):
        employees = self.cleaned_data["employees"]
        if len(employees) > 500:
            raise ValidationError(_("Paling banyak 500 pegawai sekaligus; undang per unit untuk jumlah besar."))
        return employees


class UnitFilterForm(FilterForm):
    """One of ``units`` (the unsigned list, the link sheets), or all."""

    unit = forms.TypedChoiceField(label=_("Unit kerja"), required=False, coerce=int, empty_value=None)

    def __init__(self, data=None, *, units, **kwargs):
        super().__init__(data, **kwargs)
        self.units = {unit.pk: unit for unit in units}
        self.fields["unit"].choices = [("", _("Semua unit"))] + [(pk, unit.name) for pk, unit in self.units.items()]

    def chosen_unit(self):
        return self.units.get(self.filters().get("unit"))


PAPER_CHOICES = [("A4", "A4"), ("F4", _("F4 (folio, 215 × 330 mm)"))]


class LinkSheetsForm(UnitFilterForm):
    belum = forms.BooleanField(label=_("hanya yang belum"), required=False, widget=FilterCheckbox)
    kertas = forms.ChoiceField(label=_("Kertas"), required=False, choices=PAPER_CHOICES)

    def paper(self):
        """A4 unless chosen; ``None`` for a paper we do not print on."""
        return self.chosen("kertas", "A4")


class PaperForm(FilterForm):
    """The paper a printable is made for (``?kertas=F4``); A4 unless chosen."""

    kertas = forms.ChoiceField(label=_("Kertas"), required=False, choices=PAPER_CHOICES)

    def paper(self):
        """A4 unless chosen; ``None`` for a paper we do not print on."""
        return self.chosen("kertas", "A4")


class UnitMessageForm(UnitFilterForm):
    """Which unit's WhatsApp message for its head, and which part of it."""

    bagian = forms.IntegerField(label=_("bagian"), required=False, min_value=1, max_value=100_000)

    def part(self):
        """The part asked for (1 when none is named); ``None`` when what was sent is no part number."""
        return self.chosen("bagian", 1)


class InviteSearchForm(FilterForm):
    q = forms.CharField(label=_("Cari pegawai"), required=False, max_length=100)
