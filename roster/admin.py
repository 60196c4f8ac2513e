from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult

from audit.admin import AuditedAdminMixin
from audit.log import Bulk, record
from audit.models import AuditEvent
from roster.models import Agency, Employee, StaffProfile, Unit
from roster.resources import EmployeeResource

ADMIN_IMPORTED = _("Impor pegawai melalui admin: %(new)s baru, %(changed)s diubah, %(rejected)s ditolak")


class UnitInline(admin.TabularInline):
    model = Unit
    fk_name = "agency"
    fields = ("name", "code", "parent")
    extra = 0


@admin.register(Agency)
class AgencyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "place_name", "time_zone")
    list_filter = ("kind", "time_zone")
    search_fields = ("name", "short_name", "place_name")
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "agency", "parent", "code")
    list_filter = ("agency",)
    search_fields = ("name", "code")
    list_select_related = ("agency", "parent")


class EmployeeImportForm(ImportForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.all(), label=_("Instansi"))


class EmployeeConfirmImportForm(ConfirmImportForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.all(), widget=forms.HiddenInput)


@admin.register(Employee)
class EmployeeAdmin(AuditedAdminMixin, ImportExportModelAdmin):
    resource_classes = [EmployeeResource]
    import_form_class = EmployeeImportForm
    confirm_form_class = EmployeeConfirmImportForm
    list_display = ("name", "nip", "employment_type", "rank", "position", "unit", "agency", "is_active")
    list_filter = ("agency", "employment_type", "is_active")
    search_fields = ("name", "nip", "nik", "position")
    list_select_related = ("agency", "unit")
    autocomplete_fields = ("unit",)

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        return {"agency": form.cleaned_data["agency"] if form and form.is_valid() else None}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    def process_dataset(self, dataset, form, request, **kwargs):
        result = super().process_dataset(dataset, form, request, **kwargs)
        totals = result.totals
        record(
            request,
            AuditEvent.Action.IMPORT,
            Bulk(form.cleaned_data["agency"], Employee),
            ADMIN_IMPORTED,
            new=totals[RowResult.IMPORT_TYPE_NEW],
            changed=totals[RowResult.IMPORT_TYPE_UPDATE],
            rejected=totals[RowResult.IMPORT_TYPE_INVALID] + totals[RowResult.IMPORT_TYPE_ERROR],
        )
        return result

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:  # None when the confirmed import is processed
            initial["agency"] = import_form.cleaned_data["agency"].pk
        return initial


@admin.register(StaffProfile)
class StaffProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "role", "agency")
    list_filter = ("role", "agency")
    filter_horizontal = ("supervised_agencies",)
    autocomplete_fields = ("user",)
