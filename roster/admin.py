from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin

from audit.admin import AuditedAdminMixin
from netralitas.lib.admin import SafeChoicesAdminMixin
from netralitas.lib.dates import validate_sensible_date
from netralitas.lib.text import VisibleTextFormMixin
from roster.accounts import AdminLoginForm
from roster.contact import normalise_email, normalise_phone
from roster.forms import RosterUploadForm
from roster.models import Agency, Employee, StaffProfile, Unit
from roster.resources import EmployeeResource
from roster.views import import_confirm_step, import_upload_step

# The admin's sign-in is throttled like the staff login page (roster.accounts).
admin.site.login_form = AdminLoginForm

IMPORT_TEMPLATE = "admin/roster/employee/import.html"
ADMIN_IMPORT_URLS = {
    "upload_url": "admin:roster_employee_import",
    "confirm_url": "admin:roster_employee_import_confirm",
    "done_url": "admin:roster_employee_changelist",
}


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


class AdminRosterUploadForm(RosterUploadForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.all(), label=_("Instansi"))

    field_order = ["agency", "file", "full_roster"]


class EmployeeAdminForm(forms.ModelForm):
    # Typed in any usual way (+62 812-…), wider than the stored 628…: roster.contact.
    phone = forms.CharField(label=_("Nomor HP"), max_length=30, required=False)
    # Checked and shaped as on the staff pages (hidden characters named, the domain in lower case).
    email = forms.CharField(label=_("Email"), max_length=254, required=False)

    class Meta:
        model = Employee
        fields = [
            *("agency", "unit", "employment_type", "nip", "nik", "name", "rank", "position"),
            *("phone", "email", "is_active"),
        ]

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone"))

    def clean_email(self):
        return normalise_email(self.cleaned_data.get("email"))


@admin.register(Employee)
class EmployeeAdmin(AuditedAdminMixin, SafeChoicesAdminMixin, ExportMixin, admin.ModelAdmin):
    """The roster in the admin; its import runs the operator's import path
    (``roster.imports``) for an agency the administrator chooses."""

    form = EmployeeAdminForm
    resource_classes = [EmployeeResource]
    import_export_change_list_template = "admin/roster/employee/change_list.html"
    list_display = ("name", "nip", "employment_type", "rank", "position", "unit", "agency", "is_active")
    list_filter = ("agency", "employment_type", "is_active")
    search_fields = ("name", "nip", "nik", "position")
    list_select_related = ("agency", "unit")
    autocomplete_fields = ("unit",)

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="roster_employee_import"),
            path(
                "import/<uuid:pk>/confirm/",
                view(require_POST(self.import_confirm_view)),
                name="roster_employee_import_confirm",
            ),
            *super().get_urls(),
        ]

    def _check(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied

    def import_view(self, request):
        """Upload for an agency the administrator chooses; the preview is a job whose
        page (with its progress bar) is the same as the operator's."""
        self._check(request)
        form = AdminRosterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            return import_upload_step(request, form, form.cleaned_data["agency"], ADMIN_IMPORT_URLS)
        return render(
            request, IMPORT_TEMPLATE, {**self.admin_site.each_context(request), "opts": self.opts, "form": form}
        )

    def import_confirm_view(self, request, pk):
        self._check(request)
        return import_confirm_step(request, pk, ADMIN_IMPORT_URLS)


@admin.register(StaffProfile)
class StaffProfileAdmin(AuditedAdminMixin, SafeChoicesAdminMixin, admin.ModelAdmin):
    list_display = ("user", "role", "agency")
    list_filter = ("role", "agency")
    filter_horizontal = ("supervised_agencies",)
    autocomplete_fields = ("user",)


# Django's own accounts, with names that may not hide control or direction characters.
class UserChangeForm(VisibleTextFormMixin, auth_forms.UserChangeForm):
    def clean_last_login(self):
        return validate_sensible_date(self.cleaned_data["last_login"])

    def clean_date_joined(self):
        return validate_sensible_date(self.cleaned_data["date_joined"])


class UserCreationForm(VisibleTextFormMixin, auth_forms.AdminUserCreationForm):
    pass


class GroupForm(VisibleTextFormMixin, forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "permissions"]


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(SafeChoicesAdminMixin, auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm


@admin.register(Group)
class GroupAdmin(SafeChoicesAdminMixin, auth_admin.GroupAdmin):
    form = GroupForm
