"""The audit trail: an append-only record of who viewed, downloaded or changed
what, and when. The database refuses UPDATE and DELETE on it (``dbguard``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from netralitas.lib.dates import timestamp

# An event is read in its agency's zone (WIB, WITA or WIT): the times its people lived.
# An event of no agency (an admin's) in the server's zone, WIB.
TRAIL_TIME_ZONE = "Asia/Jakarta"


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_superuser:
            return self.all()
        agencies = self.model._meta.get_field("agency").related_model.objects.visible_to(user)
        return self.filter(agency__in=agencies)


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("Melihat")
        DOWNLOAD = "download", _("Mengunduh")
        CREATE = "create", _("Membuat")
        UPDATE = "update", _("Mengubah")
        DELETE = "delete", _("Menghapus")
        IMPORT = "import", _("Mengimpor")
        INVITE = "invite", _("Mengundang")
        OPEN = "open", _("Membuka penandatanganan")
        CLOSE = "close", _("Menutup penandatanganan")
        LOGIN_BLOCKED = "login_blocked", _("Mengunci masuk staf")
        REMIND = "remind", _("Mengingatkan")
        EVIDENCE = "evidence", _("Memeriksa bukti tersimpan")
        LOGIN = "login", _("Masuk")
        LOGIN_REFUSED = "login_refused", _("Menolak masuk")
        LOGOUT = "logout", _("Keluar")

    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pengguna"),
    )
    username = models.CharField(_("nama pengguna"), max_length=150, blank=True)
    agency = models.ForeignKey(
        "roster.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("instansi")
    )
    action = models.CharField(_("tindakan"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("jenis objek"), max_length=60)
    object_id = models.CharField(_("id objek"), max_length=60, blank=True)
    description = models.CharField(_("keterangan"), max_length=500)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("jejak audit")
        verbose_name_plural = _("jejak audit")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agency", "-at"], name="auditevent_agency_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.description}"

    @property
    def time_zone(self):
        """The zone the event is read in: its agency's, or WIB for an event of no agency."""
        return self.agency.time_zone if self.agency_id else TRAIL_TIME_ZONE

    @property
    def local_time(self):
        """``2024-09-26 00:30:00 WITA``: the trail's time, in :attr:`time_zone`."""
        return timestamp(self.at, self.time_zone)
