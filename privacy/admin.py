"""The breach register in the admin: each incident with its 3 × 24-hour deadline in
sight, and two actions that start jobs — the persons affected, the letters."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin, ReadOnlyAdmin
from audit.log import record
from audit.models import AuditEvent
from jobs.engine import start_for
from netralitas.lib.dates import timestamp
from pledges.models import Destruction
from privacy.jobs import breach_affected, breach_letters
from privacy.models import Breach, RetentionPolicy

LIST_STARTED = _("Membuat daftar orang terdampak kegagalan pelindungan data: %(title)s")
LETTERS_STARTED = _("Membuat surat pemberitahuan kegagalan pelindungan data: %(title)s")


@admin.register(Breach)
class BreachAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "agency", "detected", "notification")
    list_filter = ("agency",)
    search_fields = ("title", "description")
    list_select_related = ("agency",)
    readonly_fields = ("created_by", "created_at", "notification")
    actions = ["affected_list", "letters"]
    fieldsets = (
        (None, {"fields": ("agency", "title", "detected_at", "notification")}),
        (_("Kejadian"), {"fields": ("description", "data_kinds", "scope", "ceremony", "measures")}),
        (_("Pemberitahuan (paling lambat 3 × 24 jam)"), {"fields": ("persons_notified_at", "authority_notified_at")}),
        (_("Pencatatan"), {"fields": ("created_by", "created_at")}),
    )

    @admin.display(description=_("diketahui pada"), ordering="detected_at")
    def detected(self, breach):
        return timestamp(breach.detected_at, breach.agency.time_zone)

    @admin.display(description=_("pemberitahuan"))
    def notification(self, breach):
        """Done, or how long is left of the 3 × 24 hours — or how late it is."""
        if breach.pk is None or breach.detected_at is None:
            return "–"
        zone = breach.agency.time_zone
        if breach.notified:
            return _("Selesai: pegawai %(persons)s, lembaga %(authority)s") % {
                "persons": timestamp(breach.persons_notified_at, zone),
                "authority": timestamp(breach.authority_notified_at, zone),
            }
        left = breach.time_left()
        deadline = timestamp(breach.deadline, zone)
        if left.total_seconds() < 0:
            hours = int(-left.total_seconds() // 3600)
            text = _("TERLAMBAT %(hours)s jam — batas %(deadline)s") % {"hours": hours, "deadline": deadline}
            return format_html('<strong style="color:#8a1c12">{}</strong>', text)
        hours = int(left.total_seconds() // 3600)
        text = _("%(hours)s jam lagi — batas %(deadline)s") % {"hours": hours, "deadline": deadline}
        return format_html("<strong>{}</strong>", text)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def _start(self, request, queryset, job_kind, message, title):
        for breach in queryset.select_related("agency"):
            job = start_for(
                request,
                kind=job_kind,
                title=title % {"title": breach.title},
                agency=breach.agency,
                params={"breach": breach.pk},
            )
            record(request, AuditEvent.Action.CREATE, breach, message, title=breach.title)
            link = format_html('<a href="{}">{}</a>', job.get_absolute_url(), job.title)
            self.message_user(request, format_html("{} {}", _("Dimulai:"), link), messages.SUCCESS)

    @admin.action(description=_("Buat daftar orang terdampak (xlsx)"))
    def affected_list(self, request, queryset):
        self._start(request, queryset, breach_affected, LIST_STARTED, _("Orang terdampak: %(title)s"))

    @admin.action(description=_("Buat surat pemberitahuan (PDF)"))
    def letters(self, request, queryset):
        self._start(request, queryset, breach_letters, LETTERS_STARTED, _("Surat pemberitahuan: %(title)s"))


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Each agency's retention schedule; one with none has the defaults (created when
    ``manage.py apply_retention`` first asks for it)."""

    list_display = ("agency", "contact_days", "device_months", "pact_years", "updated_at")
    list_select_related = ("agency",)
    readonly_fields = ("updated_at",)


@admin.register(Destruction)
class DestructionAdmin(ReadOnlyAdmin):
    """The berita acara of each application of the schedule: for reading only (the
    database refuses any change); the PDF from the staff page ``/pemusnahan/``."""

    list_display = ("number", "agency", "created_at", "pacts", "contacts", "devices")
    list_filter = ("agency",)
    list_select_related = ("agency",)
