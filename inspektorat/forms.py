"""The filter forms of the Inspektorat's lists (GET forms: auditors change nothing)."""

import datetime
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.models import TRAIL_TIME_ZONE, AuditEvent
from netralitas.lib.dates import validate_sensible_date
from netralitas.lib.forms import FilterCheckbox, FilterForm
from netralitas.lib.text import validate_visible
from roster.identity import format_nip
from roster.models import Agency, EmploymentType, Unit
from roster.nip import validate_nip


class Status:
    SIGNED = "sudah"
    UNSIGNED = "belum"
    CHOICES = [("", _("Semua")), (SIGNED, _("Sudah")), (UNSIGNED, _("Belum"))]


def units_in_tree_order(units):
    """``(unit, depth)`` pairs: each unit followed by its sub-units, by name."""
    ordered_by_name = sorted(units, key=lambda u: u.name.casefold())
    known = {unit.pk for unit in ordered_by_name}
    children = {}
    for unit in ordered_by_name:
        if unit.parent_id in known:
            children.setdefault(unit.parent_id, []).append(unit)
    # A unit whose parent is not in the list is shown as a root.
    roots = [unit for unit in ordered_by_name if unit.parent_id not in known]
    ordered, stack = [], [(unit, 0) for unit in reversed(roots)]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.pk, [])))
    # Units caught in a parent cycle (the database cannot forbid one) are still listed.
    listed = {unit.pk for unit, _depth in ordered}
    ordered += [(unit, 0) for unit in ordered_by_name if unit.pk not in listed]
    return ordered


class CeremonyIndexForm(FilterForm):
    """The auditor's apel list: one of the supervised agencies, or all."""

    instansi = forms.TypedChoiceField(label=_("Instansi"), required=False, coerce=int, empty_value=None)

    def __init__(self, data=None, *, agencies, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["instansi"].choices = [("", _("Semua instansi"))] + [(a.pk, a.name) for a in agencies]


class InvitationFilterForm(FilterForm):
    """Who signed a ceremony and who did not: search, unit (with its sub-units),
    status, employment type and rank."""

    q = forms.CharField(label=_("Nama atau NIP"), required=False, max_length=100)
    unit = forms.TypedChoiceField(label=_("Unit kerja"), required=False, coerce=int, empty_value=None)
    sub = forms.BooleanField(label=_("Termasuk sub-unit"), required=False, widget=FilterCheckbox)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=Status.CHOICES)
    jenis = forms.ChoiceField(
        label=_("Jenis kepegawaian"), required=False, choices=[("", _("Semua")), *EmploymentType.choices]
    )
    pangkat = forms.CharField(label=_("Pangkat/golongan"), required=False, max_length=100)

    def __init__(self, data=None, *, units, **kwargs):
        super().__init__(data, **kwargs)
        self.units = list(units)
        self.fields["unit"].choices = [("", _("Semua unit"))] + [
            (unit.pk, "— " * depth + unit.name) for unit, depth in units_in_tree_order(self.units)
        ]
        self.fields["q"].widget.attrs.update({"placeholder": _("mis. Budi atau 19800101"), "autocomplete": "off"})
        self.fields["pangkat"].widget.attrs.update({"list": "pangkat-pilihan", "autocomplete": "off"})

    def unit_ids(self):
        """The chosen unit's id, with its sub-units' ids when asked; ``None`` for all."""
        chosen = self.filters()
        if "unit" not in chosen:
            return None
        if chosen.get("sub"):
            return Unit.descendant_ids(self.units, [chosen["unit"]])
        return {chosen["unit"]}

    def filter(self, invitations):
        chosen = self.filters()
        if chosen.get("q"):
            invitations = invitations.search(chosen["q"])
        unit_ids = self.unit_ids()
        if unit_ids is not None:
            invitations = invitations.filter(unit_id__in=unit_ids)
        if chosen.get("status") == Status.SIGNED:
            invitations = invitations.signed()
        elif chosen.get("status") == Status.UNSIGNED:
            invitations = invitations.unsigned()
        if chosen.get("jenis"):
            invitations = invitations.filter(employee__employment_type=chosen["jenis"])
        if chosen.get("pangkat"):
            invitations = invitations.filter(employee__rank__icontains=chosen["pangkat"])
        return invitations


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TrailFilterForm(FilterForm):
    """The audit trail: action, user, agency, words of the description, dates (each
    event's own agency's days, as the trail shows its time)."""

    action = forms.ChoiceField(
        label=_("Tindakan"), required=False, choices=[("", _("Semua")), *AuditEvent.Action.choices]
    )
    user = forms.CharField(label=_("Pengguna"), required=False, max_length=150)
    agency = forms.ModelChoiceField(label=_("Instansi"), required=False, queryset=Agency.objects.none())
    q = forms.CharField(label=_("Keterangan memuat"), required=False, max_length=100)
    since = forms.DateField(
        label=_("Dari tanggal"), required=False, widget=DateInput(), validators=[validate_sensible_date]
    )
    until = forms.DateField(
        label=_("Sampai tanggal"), required=False, widget=DateInput(), validators=[validate_sensible_date]
    )

    def __init__(self, data=None, *, agencies, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].empty_label = _("Semua instansi")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("Tanggal akhir tidak boleh sebelum tanggal awal."))
            cleaned.pop("until", None)
        return cleaned

    def filter(self, events):
        chosen = self.filters()
        if chosen.get("action"):
            events = events.filter(action=chosen["action"])
        if chosen.get("user"):
            events = events.filter(username__icontains=chosen["user"])
        if chosen.get("agency"):
            events = events.filter(agency=chosen["agency"])
        if chosen.get("q"):
            events = events.filter(description__icontains=chosen["q"])
        if chosen.get("since") or chosen.get("until"):
            events = events.filter(self._days(chosen.get("since"), chosen.get("until")))
        return events

    def _days(self, since, until):
        """[since 00:00, until+1 00:00) in each event's agency's zone, whatever the
        server's: an event shown at 00.30 WITA on the 26th is on the 26th. One range
        when every agency shares a zone (the usual case); one per zone otherwise."""

        def in_days(tz_name):
            zone = zoneinfo.ZoneInfo(tz_name)
            bounds = Q()
            if since:
                bounds &= Q(at__gte=datetime.datetime.combine(since, datetime.time(), zone))
            if until:
                bounds &= Q(at__lt=datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), zone))
            return bounds

        zones = set(self.fields["agency"].queryset.values_list("time_zone", flat=True))
        if zones <= {TRAIL_TIME_ZONE}:
            return in_days(TRAIL_TIME_ZONE)
        days = Q(agency__isnull=True) & in_days(TRAIL_TIME_ZONE)
        for tz_name in sorted(zones):
            days |= Q(agency__time_zone=tz_name) & in_days(tz_name)
        return days

    def selected_agency(self):
        return self.filters().get("agency")


class RecapSignerForm(forms.Form):
    """Who signs the recap PDF, and where and when (printed in its signature block)."""

    name = forms.CharField(label=_("Nama penanda tangan"), max_length=120)
    position = forms.CharField(
        label=_("Jabatan"), max_length=200, help_text=_("Mis. Inspektur Kota Bukittinggi; atau Plt. Inspektur.")
    )
    nip = forms.CharField(label=_("NIP penanda tangan"), max_length=40, required=False)
    place = forms.CharField(label=_("Tempat"), max_length=80)
    date = forms.DateField(label=_("Tanggal"), widget=DateInput(), validators=[validate_sensible_date])

    def clean(self):
        # One line of visible text each: what is printed is what was typed.
        cleaned = super().clean()
        for name in ("name", "position", "place"):
            if cleaned.get(name):
                try:
                    cleaned[name] = validate_visible(" ".join(cleaned[name].split()))
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def clean_nip(self):
        """The official's NIP, grouped as printed, checked like every NIP."""
        raw = self.cleaned_data.get("nip", "").strip()
        return format_nip(validate_nip(raw)) if raw else ""
