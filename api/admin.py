"""API tokens in the admin: made (the token shown once, on the page after saving,
never stored), revoked (an action, and the trail says so), their uses listed."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import ApiToken, TokenUse
from audit.admin import AuditedAdminMixin, ReadOnlyAdmin
from audit.log import record
from audit.models import AuditEvent
from netralitas.lib.admin import SafeChoicesAdminMixin

REVOKED = _("Melalui admin: mencabut token API “%(token)s”")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, SafeChoicesAdminMixin, admin.ModelAdmin):
    list_display = ("name", "token_prefix", "agency", "auditor", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("agency",)
    search_fields = ("name", "prefix")
    readonly_fields = ("token_prefix", "created_by", "created_at", "revoked_at", "last_used_at")
    fields = ("name", "agency", "auditor", "expires_at", *readonly_fields)
    actions = ["revoke"]

    @admin.display(description=_("awalan"))
    def token_prefix(self, token):
        return f"ntr_{token.prefix}…" if token.prefix else "—"

    def get_changeform_initial_data(self, request):
        return {**super().get_changeform_initial_data(request), "expires_at": ApiToken.default_expiry()}

    def get_readonly_fields(self, request, obj=None):
        # A token's scope is what it was made for: a new scope is a new token.
        if obj is not None:
            return (*self.readonly_fields, "agency", "auditor")
        return self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        clean = form.clean

        def one_scope(this):
            cleaned = clean(this)
            if obj is None and bool(cleaned.get("agency")) == bool(cleaned.get("auditor")):
                raise ValidationError(_("Pilih satu: instansi, atau auditor (untuk instansi yang diawasinya)."))
            expires = cleaned.get("expires_at")
            if expires is not None and expires <= timezone.now():
                raise ValidationError({"expires_at": _("Masa berlaku harus di masa depan.")})
            return cleaned

        form.clean = one_scope
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            request._api_token = obj.issue()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """The token once, on its own page: it is in no message, session or log."""
        context = {
            **self.admin_site.each_context(request),
            "token": request._api_token,
            "object": obj,
            "opts": self.opts,
        }
        response = TemplateResponse(request, "api/admin/token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Cabut token API yang dipilih"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoke()
            record(request, AuditEvent.Action.UPDATE, token, REVOKED, token=str(token))
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token dicabut.", "%(count)d token dicabut.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(TokenUse)
class TokenUseAdmin(ReadOnlyAdmin):
    list_display = ("at", "token", "method", "path", "status", "ip_address")
    list_filter = ("status",)
    search_fields = ("token__name", "token__prefix", "path")
    date_hierarchy = "at"
    list_select_related = ("token",)
