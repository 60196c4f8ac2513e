"""Agencies (*instansi*), their units (*perangkat daerah / unit kerja*), the
employee roster, and the staff accounts that work on them.

Who may see what is decided here, once: ``Agency.objects.visible_to(user)``.
Every other kind's ``visible_to(user)`` is built on it, and every staff page
scopes its lookups through those (or the ``*_for_user`` helpers in each app's
``access`` module, which answer 404).
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netralitas.lib.dates import zone_abbreviation
from netralitas.lib.text import CleanTextMixin
from roster.contact import (
    EMAIL_PATTERN,
    PHONE_MAX_LENGTH,
    PHONE_PATTERN,
    local_phone,
    normalise_email,
    normalise_phone,
)
from roster.identity import Identifier
from roster.nip import normalise_nik, validate_nip

SEARCH_MIN_DIGITS = 4


class TimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (UTC+7)")
    WITA = "Asia/Makassar", _("WITA (UTC+8)")
    WIT = "Asia/Jayapura", _("WIT (UTC+9)")


class AgencyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The agencies a user may see: all for admins, the own agency for an
        operator, the supervised ones for an auditor, none otherwise."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        profile = getattr(user, "staff_profile", None)
        if profile is None:
            return self.none()
        if profile.role == StaffProfile.Role.OPERATOR:
            return self.filter(pk=profile.agency_id)
        return self.filter(auditors=profile)


class Agency(CleanTextMixin, models.Model):
    """An *instansi*: a province, city, regency or ministry that runs its own apel."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Pemerintah Provinsi")
        CITY = "city", _("Pemerintah Kota")
        REGENCY = "regency", _("Pemerintah Kabupaten")
        MINISTRY = "ministry", _("Kementerian/Lembaga")

    name = models.CharField(_("nama instansi"), max_length=200, unique=True)
    short_name = models.CharField(_("nama singkat"), max_length=80, help_text=_("Mis. Pemkot Bukittinggi."))
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    place_name = models.CharField(
        _("nama tempat pada dokumen"),
        max_length=80,
        help_text=_("Dipakai di baris tanggal: “Bukittinggi, 26 September 2024”."),
    )
    time_zone = models.CharField(_("zona waktu"), max_length=40, choices=TimeZone.choices, default=TimeZone.WIB)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    letterhead_lines = models.TextField(
        _("baris kop surat"),
        blank=True,
        help_text=_("Satu baris per baris kop, mis. “PEMERINTAH KOTA BUKITTINGGI”, “SEKRETARIAT DAERAH”, alamat."),
    )

    certificate_path = models.CharField(
        _("berkas sertifikat (PKCS#12)"),
        max_length=500,
        blank=True,
        help_text=_(
            "Path berkas .p12 sertifikat elektronik instansi di server. "
            "Kosong: sertifikat pengembangan di folder kunci."
        ),
    )
    certificate_password_env = models.CharField(
        _("variabel lingkungan kata sandi sertifikat"),
        max_length=100,
        blank=True,
        help_text=_("Nama variabel lingkungan yang berisi kata sandi .p12, mis. SERTIFIKAT_BUKITTINGGI_PASSWORD."),
    )

    class SealService(models.TextChoices):
        CERTIFICATE = "certificate", _("Sertifikat instansi (PKCS#12)")
        BSRE = "bsre", _("BSrE (Esign Client Service)")

    seal_service = models.CharField(
        _("layanan segel"),
        max_length=20,
        choices=SealService.choices,
        default=SealService.CERTIFICATE,
        help_text=_("BSrE: pakta disegel melalui API Esign Client BSrE; atur dengan manage.py bsre_setup."),
    )
    bsre_subscriber = models.CharField(
        _("ID subscriber BSrE"), max_length=100, blank=True, help_text=_("Dari BSrE, untuk segel elektronik instansi.")
    )

    # UU PDP: whom a person asks about their data (the signing pages' notice names them).
    privacy_officer = models.CharField(
        _("pejabat pelindungan data pribadi"),
        max_length=200,
        blank=True,
        help_text=_("Nama atau jabatan yang menerima pertanyaan dan permintaan soal data pribadi pegawai."),
    )
    privacy_email = models.EmailField(_("email pelindungan data pribadi"), blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("instansi")
        verbose_name_plural = _("instansi")
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name

    @property
    def seals_through_bsre(self):
        return self.seal_service == self.SealService.BSRE

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def tz_abbreviation(self):
        return zone_abbreviation(self.time_zone)

    def letterhead(self):
        """The lines of the letterhead (*kop surat*); the agency's name when none are set."""
        lines = [line.strip() for line in self.letterhead_lines.splitlines() if line.strip()]
        return lines or [self.name.upper()]


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(agency__in=Agency.objects.visible_to(user))


class Unit(CleanTextMixin, models.Model):
    """A *perangkat daerah* or *unit kerja*; units form a tree inside one agency."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="units", verbose_name=_("instansi"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("induk")
    )
    name = models.CharField(_("nama unit"), max_length=200)
    code = models.CharField(_("kode"), max_length=40, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit kerja")
        verbose_name_plural = _("unit kerja")
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="unit_name_unique_per_agency"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id and self.parent.agency_id != self.agency_id:
            raise ValidationError({"parent": _("Unit induk harus dari instansi yang sama.")})
        node = self.parent
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("Unit tidak boleh menjadi induk dari dirinya sendiri.")})
            node = node.parent

    @staticmethod
    def descendant_ids(units, roots):
        """Ids of ``roots`` and all units below them, from one list of an agency's units."""
        children = {}
        for unit in units:
            children.setdefault(unit.parent_id, []).append(unit.pk)
        found, stack = set(), [r.pk if isinstance(r, Unit) else r for r in roots]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, []))
        return found


class EmploymentType(models.TextChoices):
    PNS = "PNS", _("PNS")
    PPPK = "PPPK", _("PPPK")
    NON_ASN = "NON_ASN", _("Non-ASN")


def search_condition(query, prefix=""):
    """People found by ``query``: the name contains it, or — when it holds at least
    four digits — the NIP or NIK contains those digits (people type NIPs with
    spaces). ``prefix`` reaches the employee from another model (``"employee__"``)."""
    condition = Q(**{f"{prefix}name__icontains": query})
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= SEARCH_MIN_DIGITS:
        condition |= Q(**{f"{prefix}nip__contains": digits}) | Q(**{f"{prefix}nik__contains": digits})
    return condition


class EmployeeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(agency__in=Agency.objects.visible_to(user))

    def active(self):
        return self.filter(is_active=True)

    def search(self, query):
        return self.filter(search_condition(query))


class Employee(CleanTextMixin, models.Model):
    """One person on an agency's roster: a PNS, a PPPK or a non-ASN employee."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="employees", verbose_name=_("instansi"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="employees", verbose_name=_("unit kerja"), null=True, blank=True
    )
    employment_type = models.CharField(
        _("jenis kepegawaian"), max_length=10, choices=EmploymentType.choices, default=EmploymentType.PNS
    )
    nip = models.CharField(
        _("NIP / NI PPPK"), max_length=18, unique=True, null=True, blank=True, help_text=_("18 digit, tanpa spasi.")
    )
    nik = models.CharField(
        _("NIK"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Nomor identitas untuk pegawai non-ASN yang tidak punya NIP (16 digit)."),
    )
    name = models.CharField(_("nama lengkap dengan gelar"), max_length=200)
    rank = models.CharField(_("pangkat/golongan"), max_length=100, blank=True)
    position = models.CharField(_("jabatan"), max_length=300, blank=True)
    # Optional, for reminders (``ceremonies.reminders``): never on a public page;
    # masked outside the operator's pages (``roster.contact``).
    phone = models.CharField(
        _("nomor HP"),
        max_length=PHONE_MAX_LENGTH,
        blank=True,
        default="",
        help_text=_("Nomor seluler (WhatsApp), mis. 0812-3456-7890. Boleh kosong."),
    )
    email = models.EmailField(_("email"), blank=True, default="", help_text=_("Untuk pengingat. Boleh kosong."))
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("pegawai")
        verbose_name_plural = _("pegawai")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nip__isnull=True) | Q(nip__regex=r"^[0-9]{18}$"), name="employee_nip_18_digits"
            ),
            models.CheckConstraint(
                condition=Q(nik__isnull=True) | Q(nik__regex=r"^[0-9]{16}$"), name="employee_nik_16_digits"
            ),
            models.CheckConstraint(
                condition=(Q(employment_type__in=["PNS", "PPPK"], nip__isnull=False))
                | Q(employment_type="NON_ASN", nip__isnull=True, nik__isnull=False),
                name="employee_identifier_matches_type",
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=PHONE_PATTERN), name="employee_phone_canonical"
            ),
            models.CheckConstraint(condition=Q(email="") | Q(email__regex=EMAIL_PATTERN), name="employee_email_shape"),
        ]
        indexes = [models.Index(fields=["agency", "unit", "is_active"], name="employee_agency_unit")]

    def __str__(self):
        return f"{self.name} ({self.identifier})"

    @property
    def identifier(self):
        kind = "NI PPPK" if self.employment_type == EmploymentType.PPPK else "NIP"
        return Identifier.of(self.nip, self.nik, kind)

    @property
    def phone_local(self):
        """The number as people write it (``0812-3456-7890``): the operator's pages only."""
        return local_phone(self.phone)

    def clean(self):
        errors = {}
        if self.employment_type in (EmploymentType.PNS, EmploymentType.PPPK):
            if not self.nip:
                errors["nip"] = _("PNS dan PPPK wajib punya NIP / NI PPPK.")
            else:
                try:
                    self.nip = validate_nip(self.nip, self.employment_type)
                except ValidationError as exc:
                    errors["nip"] = exc.messages
        else:
            if self.nip:
                errors["nip"] = _("Pegawai non-ASN tidak memakai NIP; isi NIK.")
            if not self.nik:
                errors["nik"] = _("Pegawai non-ASN wajib punya NIK.")
        if self.nik and "nik" not in errors:
            try:
                self.nik = normalise_nik(self.nik)
            except ValidationError as exc:
                errors["nik"] = exc.messages
        for name, normalise in (("phone", normalise_phone), ("email", normalise_email)):
            try:
                setattr(self, name, normalise(getattr(self, name)))
            except ValidationError as exc:
                errors[name] = exc.messages
        if self.unit_id and self.agency_id and self.unit.agency_id != self.agency_id:
            errors["unit"] = _("Unit kerja harus dari instansi yang sama.")
        if errors:
            raise ValidationError(errors)


class StaffProfile(CleanTextMixin, models.Model):
    """The role of a staff account: an operator works for one agency, an auditor
    (Inspektorat) reads the agencies it supervises."""

    class Role(models.TextChoices):
        OPERATOR = "operator", _("Operator sekretariat")
        AUDITOR = "auditor", _("Auditor Inspektorat")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile", verbose_name=_("pengguna")
    )
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operators",
        verbose_name=_("instansi (operator)"),
    )
    supervised_agencies = models.ManyToManyField(
        Agency, blank=True, related_name="auditors", verbose_name=_("instansi yang diawasi (auditor)")
    )

    class Meta:
        verbose_name = _("profil staf")
        verbose_name_plural = _("profil staf")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="auditor") | Q(role="operator", agency__isnull=False),
                name="operator_has_agency",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"

    def clean(self):
        if self.role == self.Role.OPERATOR and not self.agency_id:
            raise ValidationError({"agency": _("Operator harus punya instansi.")})

    @property
    def is_operator(self):
        return self.role == self.Role.OPERATOR

    @property
    def is_auditor(self):
        return self.role == self.Role.AUDITOR
