"""The breach register (UU PDP Pasal 46): a failure to protect personal data is written
down when it is found, with what and whose data it touched, and the persons and the
authority are told within 3 × 24 hours — the register shows how much of that time is left."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ceremonies.models import Ceremony
from netralitas.lib.dates import validate_sensible_date
from netralitas.lib.text import CleanTextMixin
from roster.models import Agency

NOTIFY_WITHIN = datetime.timedelta(hours=72)  # UU PDP Pasal 46 ayat (1): 3 × 24 jam


class Breach(CleanTextMixin, models.Model):
    """One incident: found when, what happened, which data of whom, what was done, and
    when the persons and the authority were told."""

    class Scope(models.TextChoices):
        AGENCY = "agency", _("Semua pegawai instansi")
        INVITED = "invited", _("Semua yang diundang ke satu apel")
        SIGNED = "signed", _("Yang sudah menandatangani di satu apel")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="breaches", verbose_name=_("instansi"))
    title = models.CharField(_("ringkasan"), max_length=200)
    detected_at = models.DateTimeField(_("diketahui pada"), validators=[validate_sensible_date])
    description = models.TextField(_("apa yang terjadi"))
    data_kinds = models.TextField(_("data pribadi yang terdampak"), help_text=_("Mis. nama, NIP, nomor HP."))
    scope = models.CharField(_("orang yang terdampak"), max_length=20, choices=Scope.choices, default=Scope.AGENCY)
    ceremony = models.ForeignKey(
        Ceremony,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("apel"),
        help_text=_("Wajib bila yang terdampak adalah undangan atau penanda tangan satu apel."),
    )
    measures = models.TextField(_("langkah penanganan dan pemulihan"), blank=True)
    persons_notified_at = models.DateTimeField(
        _("pegawai diberi tahu pada"), null=True, blank=True, validators=[validate_sensible_date]
    )
    authority_notified_at = models.DateTimeField(
        _("lembaga PDP diberi tahu pada"), null=True, blank=True, validators=[validate_sensible_date]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("dicatat pada"), auto_now_add=True)

    class Meta:
        verbose_name = _("kegagalan pelindungan data pribadi")
        verbose_name_plural = _("register kegagalan pelindungan data pribadi")
        ordering = ["-detected_at"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        errors = {}
        if self.detected_at and self.detected_at > timezone.now() + datetime.timedelta(minutes=5):
            errors["detected_at"] = _("Waktu diketahui tidak boleh di masa depan.")
        for name in ("persons_notified_at", "authority_notified_at"):
            moment = getattr(self, name)
            if moment and self.detected_at and moment < self.detected_at:
                errors[name] = _("Pemberitahuan tidak mungkin sebelum kegagalan diketahui.")
        if self.scope != self.Scope.AGENCY and self.ceremony_id is None:
            errors["ceremony"] = _("Pilih apelnya: orang yang terdampak ditentukan dari apel itu.")
        elif self.ceremony_id and self.agency_id and self.ceremony.agency_id != self.agency_id:
            errors["ceremony"] = _("Apel ini milik instansi lain.")
        if errors:
            raise ValidationError(errors)

    @property
    def deadline(self):
        return self.detected_at + NOTIFY_WITHIN

    @property
    def notified(self):
        return self.persons_notified_at is not None and self.authority_notified_at is not None

    def time_left(self, now=None):
        """How long is left to notify (negative once late)."""
        return self.deadline - (now or timezone.now())

    def affected(self):
        """The employees the incident touched, by its scope."""
        from roster.models import Employee

        employees = Employee.objects.filter(agency_id=self.agency_id)
        if self.scope == self.Scope.INVITED:
            employees = employees.filter(invitations__ceremony_id=self.ceremony_id)
        elif self.scope == self.Scope.SIGNED:
            employees = employees.filter(
                invitations__ceremony_id=self.ceremony_id, invitations__signature__isnull=False
            )
        return employees.select_related("unit").order_by("unit__name", "name", "pk").distinct()


class RetentionPolicy(models.Model):
    """How long an agency keeps personal data (UU PDP Pasal 44, UU 43/2009): its retention
    schedule (*JRA*) for signed pacts, and the shorter lives of contacts and device data.
    Set in the admin; an agency without one has the defaults (``of``), recorded by the first
    run that applies them.
    ``manage.py apply_retention`` applies it (``privacy.retention``)."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, related_name="retention_policy", verbose_name=_("instansi")
    )
    contact_days = models.PositiveSmallIntegerField(
        _("hapus HP dan email (hari)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Hari sesudah apel terakhir pegawai itu ditutup; lalu nomor HP dan email dihapus."),
    )
    device_months = models.PositiveSmallIntegerField(
        _("samarkan perangkat (bulan)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Bulan sesudah tanda tangan; lalu alamat IP perangkat dipotong (/24 untuk IPv4, /48 untuk IPv6) "
            "dan peramban disingkat menjadi jenisnya."
        ),
    )
    pact_years = models.PositiveSmallIntegerField(
        _("simpan pakta (tahun, JRA)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Tahun sesudah tahun pemilihan, sesuai Jadwal Retensi Arsip instansi; lalu pakta, PDF-nya dan "
            "stempel waktu arsipnya dimusnahkan dengan berita acara."
        ),
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("jadwal retensi")
        verbose_name_plural = _("jadwal retensi")

    def __str__(self):
        return str(self.agency)

    @classmethod
    def for_agency(cls, agency):
        """The agency's policy, created with the defaults the first time it is asked for."""
        policy, _created = cls.objects.get_or_create(agency=agency)
        return policy

    @classmethod
    def of(cls, agency):
        """The agency's policy for reading: its row, or the defaults unsaved."""
        return cls.objects.filter(agency=agency).first() or cls(agency=agency)

    def rules(self):
        """The three rules, one Indonesian sentence each (documents are Indonesian)."""
        return [
            f"Nomor HP dan email dihapus {self.contact_days} hari sesudah apel terakhir pegawai ditutup.",
            f"Alamat IP dan peramban perangkat penanda tangan disamarkan {self.device_months} bulan sesudah "
            "penandatanganan.",
            f"Pakta, PDF dan stempel waktu arsipnya disimpan {self.pact_years} tahun sesudah tahun pemilihan "
            "(Jadwal Retensi Arsip), lalu dimusnahkan dengan berita acara; tersisa catatan tanpa data pribadi "
            "(kode verifikasi, SHA-256 PDF, tanggal).",
        ]
