from django.contrib import admin

from audit.admin import AuditedAdminMixin
from ceremonies.models import Ceremony, Election, Invitation


@admin.register(Election)
class ElectionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("short_name", "name", "kind", "voting_date")


@admin.register(Ceremony)
class CeremonyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "agency", "election", "starts_at", "status")
    list_filter = ("agency", "election", "status")
    search_fields = ("title", "place")
    list_select_related = ("agency", "election")
    readonly_fields = ("apel_token", "created_by", "created_at")


@admin.register(Invitation)
class InvitationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("employee", "ceremony", "unit", "created_at")
    list_filter = ("ceremony__agency", "ceremony")
    search_fields = ("employee__name", "employee__nip")
    list_select_related = ("employee", "ceremony", "unit")
    raw_id_fields = ("employee", "ceremony", "unit")
    readonly_fields = ("token", "code", "created_at")

    def has_change_permission(self, request, obj=None):
        # An invitation is a pairing plus its secrets: change it by inviting again.
        return False
