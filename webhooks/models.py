"""Webhook endpoints of an agency, the outbox of events, and their deliveries.

An :class:`Event` is written in the transaction of what happened (one row, whatever
the number of endpoints); a background worker fans it out into one
:class:`Delivery` per subscribed endpoint and sends it, each try an
:class:`Attempt`. The event's ``message_id`` is the ``webhook-id`` of every try."""

import uuid
from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netralitas.lib import events
from netralitas.lib.text import CleanTextMixin
from roster.models import Agency
from webhooks.addresses import validate_endpoint_url
from webhooks.signing import new_secret

EVENT_LABELS = {
    events.SIGNATURE_CREATED: _("Tanda tangan baru (signature.created)"),
    events.DOCUMENT_SEALED: _("PDF pakta disegel (document.sealed)"),
    events.CEREMONY_OPENED: _("Penandatanganan apel dibuka (ceremony.opened)"),
    events.CEREMONY_CLOSED: _("Penandatanganan apel ditutup (ceremony.closed)"),
    events.JOB_FINISHED: _("Pekerjaan latar selesai (job.finished)"),
}
EVENT_CHOICES = [(name, EVENT_LABELS[name]) for name in events.TYPES]


def new_message_id():
    return "msg_" + uuid.uuid4().hex


class Endpoint(CleanTextMixin, models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name=_("instansi"))
    url = models.URLField(_("alamat (URL)"), max_length=500, validators=[validate_endpoint_url])
    description = models.CharField(_("keterangan"), max_length=200, blank=True)
    events = models.JSONField(_("peristiwa"), default=list)
    secret = models.CharField(_("rahasia penandatanganan"), max_length=80, default=new_secret, editable=False)
    active = models.BooleanField(
        _("aktif"), default=True, help_text=_("Matikan untuk berhenti mengirim; peristiwa tidak dicatat selama mati.")
    )
    paused_at = models.DateTimeField(_("dijeda otomatis pada"), null=True, blank=True, editable=False)
    paused_reason = models.CharField(_("alasan jeda"), max_length=300, blank=True, editable=False)
    failing_since = models.DateTimeField(_("gagal sejak"), null=True, blank=True, editable=False)
    final_failures = models.PositiveIntegerField(_("pengiriman gagal berturut-turut"), default=0, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("titik webhook")
        verbose_name_plural = _("titik webhook")
        ordering = ("agency", "pk")

    def __str__(self):
        # Never the whole address: a receiver's query string may hold a token of its own.
        return self.description or (urlsplit(self.url).hostname or "?")

    @property
    def state(self):
        if not self.active:
            return _("nonaktif")
        if self.paused_at:
            return _("dijeda")
        return _("aktif")


class Event(models.Model):
    """The outbox: one row per thing that happened, written with it."""

    message_id = models.CharField(_("webhook-id"), max_length=40, unique=True, default=new_message_id)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name=_("instansi"))
    type = models.CharField(_("jenis"), max_length=40, choices=EVENT_CHOICES)
    occurred_at = models.DateTimeField(_("terjadi"))
    data = models.JSONField(_("data"), default=dict)
    dispatched = models.BooleanField(_("sudah dibagikan"), default=False)

    class Meta:
        verbose_name = _("peristiwa webhook")
        verbose_name_plural = _("peristiwa webhook")
        indexes = [models.Index(fields=["id"], condition=Q(dispatched=False), name="webhook_event_undispatched")]

    def __str__(self):
        return f"{self.type} {self.message_id}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        DELIVERED = "delivered", _("Terkirim")
        FAILED = "failed", _("Gagal")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("peristiwa"))
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("titik webhook")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("percobaan"), default=0)
    next_attempt_at = models.DateTimeField(_("percobaan berikutnya"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("percobaan terakhir"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("kode jawaban"), null=True, blank=True)
    error = models.CharField(_("galat"), max_length=200, blank=True)
    delivered_at = models.DateTimeField(_("terkirim pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("pengiriman webhook")
        verbose_name_plural = _("pengiriman webhook")
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.event.type} → {self.endpoint}"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries", verbose_name=_("pengiriman"))
    at = models.DateTimeField(_("waktu"))
    response_code = models.PositiveSmallIntegerField(_("kode jawaban"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("lama (ms)"))
    error = models.CharField(_("galat"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("percobaan kirim")
        verbose_name_plural = _("percobaan kirim")
        ordering = ("at", "pk")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.response_code or self.error}"

    @property
    def ok(self):
        return self.response_code is not None and 200 <= self.response_code < 300
