from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.log import describe, record
from audit.models import AuditEvent
from netralitas.lib.admin import SafeObjectIdMixin

ADMIN_SAVED = _("Melalui admin: %(model)s “%(object)s”%(fields)s")
ADMIN_DELETED = _("Melalui admin: menghapus %(model)s “%(object)s”")
CHANGED_FIELDS = _(" (diubah: %(fields)s)")


class ReadOnlyAdmin(SafeObjectIdMixin, admin.ModelAdmin):
    """For records that are immutable (the trail, signatures, their PDFs): the admin
    may look, never add, change or delete — the database would refuse anyway."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "action", "object_type", "description", "agency")
    list_filter = ("action", "object_type", "agency")
    search_fields = ("username", "description", "object_id")
    date_hierarchy = "at"


class AuditedAdminMixin:
    """Mix into the ``ModelAdmin`` of a ceremony, invitation, unit or employee: every
    save and delete made in the Django admin is written to the audit trail, like
    the same change made on the staff pages."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = form.changed_data if change else []
        fields = describe(CHANGED_FIELDS, fields=", ".join(changed)) if changed else ""
        action = AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE
        record(request, action, obj, ADMIN_SAVED, model=obj._meta.verbose_name, object=obj, fields=fields)

    def delete_model(self, request, obj):
        # Recorded first: after the delete the object has no id to name.
        self._record_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record_delete(request, obj)
        super().delete_queryset(request, queryset)

    def _record_delete(self, request, obj):
        record(request, AuditEvent.Action.DELETE, obj, ADMIN_DELETED, model=obj._meta.verbose_name, object=obj)
