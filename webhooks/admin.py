"""Webhooks in the admin: an agency's endpoints (address, events, the signing secret
shown, active or not, paused when failing) and the delivery log with its tries and a
"send again" action."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.admin import AuditedAdminMixin, ReadOnlyAdmin
from audit.log import record
from audit.models import AuditEvent
from netralitas.lib.admin import SafeChoicesAdminMixin
from webhooks import delivery
from webhooks.models import EVENT_CHOICES, Attempt, Delivery, Endpoint
from webhooks.outbox import OUTBOX
from webhooks.signing import new_secret

RESUMED = _("Melalui admin: webhook “%(object)s” diaktifkan lagi sesudah dijeda")
NEW_SECRET = _("Melalui admin: rahasia penandatanganan webhook “%(object)s” diganti")
SENT_AGAIN = _("Melalui admin: %(count)s pengiriman webhook dikirim ulang")


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Peristiwa"), choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = Endpoint
        fields = ("agency", "url", "description", "events", "active")


@admin.register(Endpoint)
class EndpointAdmin(AuditedAdminMixin, SafeChoicesAdminMixin, admin.ModelAdmin):
    form = EndpointForm
    list_display = ("__str__", "agency", "state_shown", "event_list", "final_failures")
    list_filter = ("agency", "active")
    list_select_related = ("agency",)
    readonly_fields = ("secret_shown", "paused_at", "paused_reason", "failing_since", "final_failures", "created_at")
    actions = ["resume", "rotate_secret"]
    fieldsets = (
        (None, {"fields": ("agency", "url", "description", "events", "active")}),
        (_("Tanda tangan (Standard Webhooks)"), {"fields": ("secret_shown",)}),
        (_("Kegagalan"), {"fields": ("paused_at", "paused_reason", "failing_since", "final_failures", "created_at")}),
    )

    @admin.display(description=_("status"))
    def state_shown(self, endpoint):
        return endpoint.state

    @admin.display(description=_("peristiwa"))
    def event_list(self, endpoint):
        return ", ".join(endpoint.events or ())

    @admin.display(description=_("rahasia penandatanganan"))
    def secret_shown(self, endpoint):
        if endpoint.pk is None:
            return _("Dibuat saat disimpan.")
        return format_html(
            "<code>{}</code><br><small>{}</small>",
            endpoint.secret,
            _("Salin ke penerima: ia memeriksa header webhook-signature dengan rahasia ini."),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        OUTBOX.forget()

    @admin.action(description=_("Aktifkan lagi titik yang dijeda (pengiriman yang menunggu dicoba sekarang)"))
    def resume(self, request, queryset):
        endpoints = list(queryset.exclude(paused_at=None))
        delivery.resume(endpoints)
        for endpoint in endpoints:
            record(request, AuditEvent.Action.UPDATE, endpoint, RESUMED, object=endpoint)
        if endpoints:
            OUTBOX.kick()
        messages.success(
            request,
            ngettext("%(count)s titik diaktifkan lagi.", "%(count)s titik diaktifkan lagi.", len(endpoints))
            % {"count": len(endpoints)},
        )

    @admin.action(description=_("Buat rahasia penandatanganan baru"))
    def rotate_secret(self, request, queryset):
        endpoints = list(queryset)
        for endpoint in endpoints:
            Endpoint.objects.filter(pk=endpoint.pk).update(secret=new_secret())
            record(request, AuditEvent.Action.UPDATE, endpoint, NEW_SECRET, object=endpoint)
        messages.success(
            request,
            _("Rahasia baru dibuat; salin dari halaman titiknya ke penerima."),
        )


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("at", "response_code", "duration_ms", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "event_type",
        "message_id",
        "endpoint",
        "status",
        "attempts",
        "response_code",
        "last_attempt_at",
        "next_attempt_at",
    )
    list_filter = ("status", "event__type", "endpoint__agency")
    list_select_related = ("event", "endpoint")
    search_fields = ("event__message_id",)
    readonly_fields = (
        "event",
        "message_id",
        "endpoint",
        "status",
        "attempts",
        "response_code",
        "error",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "payload",
    )
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["send_again"]

    @admin.display(description=_("jenis"), ordering="event__type")
    def event_type(self, item):
        return item.event.type

    @admin.display(description=_("webhook-id"))
    def message_id(self, item):
        return item.event.message_id

    @admin.display(description=_("isi yang dikirim"))
    def payload(self, item):
        return format_html("<pre>{}</pre>", delivery.body(item.event).decode())

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        # ReadOnlyAdmin has no delete; the one action is sending again.
        return {name: value for name, value in super().get_actions(request).items() if name == "send_again"}

    @admin.action(description=_("Kirim lagi (webhook-id yang sama)"), permissions=["view"])
    def send_again(self, request, queryset):
        deliveries = list(queryset)
        delivery.send_again(deliveries)
        record(request, AuditEvent.Action.UPDATE, None, SENT_AGAIN, count=len(deliveries))
        OUTBOX.kick()
        messages.success(
            request,
            ngettext(
                "%(count)s pengiriman dijadwalkan ulang.", "%(count)s pengiriman dijadwalkan ulang.", len(deliveries)
            )
            % {"count": len(deliveries)},
        )
