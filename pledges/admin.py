from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin, ReadOnlyAdmin
from audit.log import record
from audit.models import AuditEvent
from pledges.bsre import codes
from pledges.models import ArchivalTimestamp, BsreCode, BsreLease, PactDocument, PactTemplate, Signature
from pledges.pdf.certificates import certificate_status
from pledges.tasks import schedule_keep_alive
from roster.admin import AgencyAdmin
from roster.models import Agency

NEW_VERSION = _("Melalui admin: versi pakta baru %(template)s")


FROZEN = _(
    "Versi ini sudah dipakai untuk tanda tangan dan dibekukan; tidak ada yang disimpan. "
    "Pakai tindakan “Buat versi baru” di daftar versi pakta untuk mengubah teks."
)


class PactTemplateAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.is_frozen:
            # The database refuses the change anyway (dbguard); say so instead of failing.
            raise ValidationError(FROZEN, code="frozen")
        return cleaned


@admin.register(PactTemplate)
class PactTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = PactTemplateAdminForm
    list_display = ("title", "code", "version", "frozen", "created_at")
    list_filter = ("code",)
    actions = ["make_new_version"]

    @admin.display(boolean=True, description=_("dibekukan"))
    def frozen(self, obj):
        return obj.is_frozen

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [field.name for field in obj._meta.fields]
        return ["created_at"]

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_frozen and request.method == "GET":
            messages.info(
                request,
                _(
                    "Versi ini sudah dipakai untuk tanda tangan dan dibekukan. "
                    "Pakai tindakan “Buat versi baru” untuk mengubah teks."
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Buat versi baru dari versi terpilih"))
    def make_new_version(self, request, queryset):
        created = None
        for template in queryset:
            created = template.new_version()
            created.save()
            record(request, AuditEvent.Action.CREATE, created, NEW_VERSION, template=created)
        if created is not None and queryset.count() == 1:
            return redirect(reverse("admin:pledges_pacttemplate_change", args=[created.pk]))
        return None


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "signed_at", "method", "ip_address")
    list_filter = ("method", "invitation__ceremony__agency")
    search_fields = ("verification_code", "invitation__employee__name", "invitation__employee__nip")
    exclude = ("image",)
    list_select_related = ("invitation",)


@admin.register(PactDocument)
class PactDocumentAdmin(ReadOnlyAdmin):
    list_display = ("file", "seal_level", "timestamp_expires_at", "sha256", "size", "created_at")
    list_filter = ("seal_level",)


@admin.register(ArchivalTimestamp)
class ArchivalTimestampAdmin(ReadOnlyAdmin):
    list_display = ("file", "stamped_at", "expires_at", "sha256", "size")
    list_select_related = ("document",)


@admin.register(BsreCode)
class BsreCodeAdmin(ReadOnlyAdmin):
    """Each BSrE agency's rolling code as the workers left it — never the code itself."""

    list_display = ("agency", "expires_at", "refreshed_at", "refreshes", "answered_at", "problem", "problem_since")
    fields = list_display
    list_select_related = ("agency",)


@admin.register(BsreLease)
class BsreLeaseAdmin(ReadOnlyAdmin):
    """Pacts waiting for BSrE's seal, with the last problem and those given up on."""

    list_display = ("signature", "until", "failures", "problem", "gave_up_at")
    list_filter = (("gave_up_at", admin.EmptyFieldListFilter),)


class AgencySealForm(forms.ModelForm):
    """The agency with a write-only field for the first one-time code BSrE hands out (as
    ``manage.py bsre_setup`` takes it): kept encrypted, never shown again."""

    bsre_first_code = forms.CharField(
        label=_("Kode sekali pakai pertama dari BSrE"),
        required=False,
        max_length=64,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Isi hanya saat memulai atau menyambung kembali rantai kode; pekerja menukarnya segera."),
    )

    # No Meta: the admin builds the form for the agency's fields (modelform_factory).

    def clean(self):
        data = super().clean()
        code = data.get("bsre_first_code", "")
        if code and (not code.isascii() or not code.isprintable() or " " in code):
            self.add_error("bsre_first_code", _("Kode sekali pakai BSrE tidak berbentuk kode."))
        if data.get("seal_service") == Agency.SealService.BSRE and not data.get("bsre_subscriber"):
            self.add_error("bsre_subscriber", _("Segel BSrE memerlukan ID subscriber dari BSrE."))
        return data


class AgencySealAdmin(AgencyAdmin):
    """The agency list with each agency's seal — its certificate or BSrE: usable or not
    (and why), and until when. The seal belongs to ``pledges``, so it is added here, on
    top of ``roster``'s agency admin; so is BSrE's first code."""

    form = AgencySealForm
    list_display = (*AgencyAdmin.list_display, "seal_usable", "seal_reason", "seal_expires")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        code = form.cleaned_data.get("bsre_first_code")
        if code:
            codes.store_first_code(obj, code)
            transaction.on_commit(lambda: schedule_keep_alive(obj.pk))

    @admin.display(boolean=True, description=_("segel siap"))
    def seal_usable(self, obj):
        return certificate_status(obj).usable

    @admin.display(description=_("sertifikat segel"))
    def seal_reason(self, obj):
        return certificate_status(obj).reason

    @admin.display(description=_("berlaku sampai"))
    def seal_expires(self, obj):
        return certificate_status(obj).expires_at


admin.site.unregister(Agency)
admin.site.register(Agency, AgencySealAdmin)
