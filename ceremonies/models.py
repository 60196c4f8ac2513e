"""Elections, the *apel* (ceremony) at which a pact is signed, and the
invitations that let one employee sign at one ceremony.

*Apel* is the Indonesian morning assembly; we keep the word in the UI and call
the model ``Ceremony``.
"""

import datetime

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netralitas.lib.dates import (
    EARLIEST_DATE,
    EARLIEST_MOMENT,
    LATEST_DATE,
    LATEST_MOMENT,
    tanggal,
    validate_sensible_date,
)
from netralitas.lib.django_pinned import OneRow
from netralitas.lib.text import CleanTextMixin
from netralitas.lib.tokens import new_code, new_link_token
from roster.models import Agency, Unit, search_condition

PERSONAL_CODE_LENGTH = 6
# Late arrivals of submissions queued offline: at most a day after the scheduled close.
LATE_GRACE_MAX_MINUTES = 24 * 60
# How far the signing window may lie from the apel: it may open a while before
# (a pact read out at a Monday assembly, signed during the week) and close up to
# a year after (late signers), never end before the apel has begun.
SIGNING_OPENS_BEFORE = datetime.timedelta(days=30)
SIGNING_CLOSES_AFTER = datetime.timedelta(days=366)


def _between(field, earliest, latest):
    return Q(**{f"{field}__gte": earliest, f"{field}__lte": latest})


def _tombstones(invitation="pk"):
    """The tombstone of the pact signed with ``invitation`` (an outer reference), left
    when the retention schedule destroyed it (``pledges.DestroyedPact``): that person
    signed, and the pact is gone as the agency's JRA says."""
    # By name, as pledges' models name this app's: the two modules never import each other.
    return apps.get_model("pledges", "DestroyedPact").objects.filter(invitation_id=OuterRef(invitation))


def signed_condition(prefix=""):
    """Signed: a signature, or the tombstone of one destroyed per the retention schedule.
    ``prefix`` is the path to the invitation (``"invitations__"`` from a ceremony)."""
    return Q(**{f"{prefix}signature__isnull": False}) | Q(Exists(_tombstones(f"{prefix}pk" if prefix else "pk")))


# The status of an invitation whose signed pact the retention schedule destroyed, as
# documents (recap, exports) write it: "Dimusnahkan sesuai JRA, 31 Desember 2031".
DESTROYED = "Dimusnahkan sesuai JRA"


def destroyed_status(destroyed_at, tz_name):
    return f"{DESTROYED}, {tanggal(destroyed_at, tz_name)}"


def percent(part, whole):
    """``part`` of ``whole`` in per cent, one decimal: ``66.7``."""
    return round(100 * part / whole, 1) if whole else 0


class Election(CleanTextMixin, models.Model):
    """A Pemilu or Pilkada; its ``name`` is written into the pact's points."""

    class Kind(models.TextChoices):
        PEMILU = "pemilu", _("Pemilu")
        PILKADA = "pilkada", _("Pilkada")

    name = models.CharField(
        _("nama pada pakta"),
        max_length=200,
        help_text=_("Sebagaimana ditulis di pakta, mis. “Pemilihan Kepala Daerah Tahun 2024”."),
    )
    short_name = models.CharField(_("nama singkat"), max_length=80, help_text=_("Mis. Pilkada 2024."))
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    voting_date = models.DateField(_("hari pemungutan suara"))

    class Meta:
        verbose_name = _("pemilihan")
        verbose_name_plural = _("pemilihan")
        ordering = ["-voting_date"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "voting_date"], name="election_unique_kind_date"),
            models.CheckConstraint(
                condition=_between("voting_date", EARLIEST_DATE, LATEST_DATE), name="election_date_sensible"
            ),
        ]

    def __str__(self):
        return self.short_name

    def clean(self):
        try:
            validate_sensible_date(self.voting_date)
        except ValidationError as error:
            raise ValidationError({"voting_date": error}) from None


class CeremonyQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(agency__in=Agency.objects.visible_to(user))

    def with_progress(self):
        return self.annotate(
            invited_count=Count("invitations", distinct=True),
            signed_count=Count("invitations", filter=signed_condition("invitations__"), distinct=True),
        )


class Ceremony(CleanTextMixin, models.Model):
    """An *apel*: the assembly at which an agency's employees sign one pact version."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Terjadwal")
        OPEN = "open", _("Dibuka")
        CLOSED = "closed", _("Ditutup")

    class SigningState(models.TextChoices):
        NOT_YET_OPEN = "not_yet_open", _("Belum dibuka")
        OPEN = "open", _("Dibuka")
        CLOSED = "closed", _("Sudah ditutup")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="ceremonies", verbose_name=_("instansi"))
    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="ceremonies", verbose_name=_("pemilihan")
    )
    pact_template = models.ForeignKey(
        "pledges.PactTemplate", on_delete=models.PROTECT, related_name="ceremonies", verbose_name=_("versi pakta")
    )
    title = models.CharField(
        _("nama apel"),
        max_length=250,
        default=_("Apel Ikrar dan Penandatanganan Pakta Integritas Netralitas ASN"),
    )
    starts_at = models.DateTimeField(_("waktu apel"))
    place = models.CharField(_("tempat"), max_length=250)
    leader = models.CharField(_("pemimpin apel"), max_length=250, help_text=_("Nama dan jabatan, mis. Pj Wali Kota."))
    witnesses = models.TextField(_("saksi"), blank=True, help_text=_("Satu per baris, mis. KPU Kota, Bawaslu Kota."))
    signing_opens_at = models.DateTimeField(_("penandatanganan dibuka"), null=True, blank=True)
    signing_closes_at = models.DateTimeField(_("penandatanganan ditutup"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    late_grace_minutes = models.PositiveSmallIntegerField(
        _("masa tenggang kiriman terlambat (menit)"),
        default=0,
        validators=[MaxValueValidator(LATE_GRACE_MAX_MINUTES)],
        help_text=_(
            "Tanda tangan yang dibuat di ponsel sebelum waktu penutupan terjadwal tetapi baru terkirim setelahnya "
            "(sinyal putus) diterima sekian menit setelah penutupan dan dicatat sebagai terlambat. 0: tidak ada."
        ),
    )
    apel_token = models.CharField(
        _("token tautan apel"), max_length=64, unique=True, default=new_link_token, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = CeremonyQuerySet.as_manager()

    class Meta:
        verbose_name = _("apel")
        verbose_name_plural = _("apel")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signing_opens_at__isnull=True)
                | Q(signing_closes_at__isnull=True)
                | Q(signing_closes_at__gt=F("signing_opens_at")),
                name="ceremony_window_ordered",
            ),
            models.CheckConstraint(
                condition=_between("starts_at", EARLIEST_MOMENT, LATEST_MOMENT), name="ceremony_starts_sensible"
            ),
            models.CheckConstraint(
                condition=Q(signing_opens_at__isnull=True)
                | _between("signing_opens_at", EARLIEST_MOMENT, LATEST_MOMENT),
                name="ceremony_opens_sensible",
            ),
            models.CheckConstraint(
                condition=Q(signing_closes_at__isnull=True)
                | _between("signing_closes_at", EARLIEST_MOMENT, LATEST_MOMENT),
                name="ceremony_closes_sensible",
            ),
        ]

    def __str__(self):
        return f"{self.title} — {self.agency} ({self.election})"

    def get_absolute_url(self):
        return reverse("ceremonies:detail", args=[self.pk])

    def clean(self):
        """Dates a person can have meant, and a signing window that fits the apel."""
        errors = {}
        for name in ("starts_at", "signing_opens_at", "signing_closes_at"):
            try:
                validate_sensible_date(getattr(self, name))
            except ValidationError as error:
                errors[name] = error
        starts, opens, closes = self.starts_at, self.signing_opens_at, self.signing_closes_at
        if not errors:
            if opens and closes and closes <= opens:
                errors["signing_closes_at"] = _("Waktu tutup harus sesudah waktu buka.")
            elif starts and closes and closes <= starts:
                errors["signing_closes_at"] = _("Penandatanganan harus ditutup sesudah waktu apel.")
            elif starts and closes and closes > starts + SIGNING_CLOSES_AFTER:
                errors["signing_closes_at"] = _("Penandatanganan ditutup paling lambat satu tahun sesudah apel.")
            if starts and opens and opens < starts - SIGNING_OPENS_BEFORE:
                errors["signing_opens_at"] = _("Penandatanganan dibuka paling awal 30 hari sebelum apel.")
        if errors:
            raise ValidationError(errors)

    def signing_state(self, now=None):
        """Whether employees may sign now: a closed ceremony is closed; one opened by
        hand is open until its window ends; a scheduled one follows its window — but
        does not open while the agency cannot seal pacts (its certificate is missing,
        locked or expired): the operator's page says why."""
        now = now or timezone.now()
        if self.status == self.Status.CLOSED:
            return self.SigningState.CLOSED
        if self.signing_closes_at and now >= self.signing_closes_at:
            return self.SigningState.CLOSED
        if self.status == self.Status.OPEN:
            return self.SigningState.OPEN
        if self.signing_opens_at and now >= self.signing_opens_at and self.can_seal(now):
            return self.SigningState.OPEN
        return self.SigningState.NOT_YET_OPEN

    def accepts_late(self, now, claimed_at):
        """Whether a submission arriving at ``now``, after the scheduled close, is still
        taken as a late arrival: the operator set a grace period, it has not passed, the
        apel was not closed by hand, and the device says the signer pressed the button
        before the close (``claimed_at``, the device's clock — a claim, recorded as one)."""
        closes = self.signing_closes_at
        return bool(
            self.late_grace_minutes
            and closes is not None
            and self.status != self.Status.CLOSED
            and claimed_at is not None
            and claimed_at < closes <= now < closes + datetime.timedelta(minutes=self.late_grace_minutes)
        )

    def list_position(self, now=None):
        """Where the apel stands in the operator's list: open ones first, then those to
        come, soonest first (today's included), then the past, newest first."""
        now = now or timezone.now()
        state = self.signing_state(now)
        if state == self.SigningState.OPEN:
            return (0, -self.starts_at.timestamp())
        local = self.agency.tzinfo
        today = now.astimezone(local).date()
        if state != self.SigningState.CLOSED and self.starts_at.astimezone(local).date() >= today:
            return (1, self.starts_at.timestamp())
        return (2, -self.starts_at.timestamp())

    def can_seal(self, now=None):
        from pledges.pdf.certificates import can_seal

        return can_seal(self.agency, now)

    def signing_state_label(self):
        return self.SigningState(self.signing_state()).label

    @property
    def apel_url(self):
        """The address behind the apel QR poster."""
        return settings.PUBLIC_BASE_URL + reverse("pledges:apel", args=[self.apel_token])

    def progress(self, unit_ids=None, *, units=None):
        """Invited, signed and unsigned counts and the percentage signed, per unit (of
        the invitation) and overall — the live board, the audit page and the recap
        alike; only of ``unit_ids`` when given. ``units``, the agency's units if the
        caller has them, saves a query for the names. Two queries at most, however
        many invitations."""
        invitations = self.invitations.all()
        if unit_ids is not None:
            invitations = invitations.filter(unit_id__in=unit_ids)
        counts = list(
            invitations.values("unit_id")
            .annotate(invited=Count("id"), signed=Count("id", filter=signed_condition()))
            .order_by()
        )
        if units is None:
            units = Unit.objects.filter(pk__in=[row["unit_id"] for row in counts if row["unit_id"]]).only("id", "name")
        names = {unit.pk: unit.name for unit in units}
        rows = [
            {
                "unit_id": row["unit_id"],
                "name": names.get(row["unit_id"], ""),
                "invited": row["invited"],
                "signed": row["signed"],
                "unsigned": row["invited"] - row["signed"],
                "percent": percent(row["signed"], row["invited"]),
            }
            for row in counts
        ]
        # By name, invitations without a unit last.
        rows.sort(key=lambda row: (row["unit_id"] is None, row["name"].casefold()))
        invited = sum(row["invited"] for row in rows)
        signed = sum(row["signed"] for row in rows)
        overall = {
            "invited": invited,
            "signed": signed,
            "unsigned": invited - signed,
            "percent": percent(signed, invited),
        }
        return rows, overall

    def invited_units(self):
        """The units that have invitations to this ceremony, by name."""
        return Unit.objects.filter(pk__in=self.invitations.values("unit")).order_by("name")

    def witness_list(self):
        return [line.strip() for line in self.witnesses.splitlines() if line.strip()]

    def invite(self, employees):
        """Invite a QuerySet of employees of this ceremony's agency, in bulk; inviting
        someone twice changes nothing (the database's unique pair decides). Returns
        how many invitations are new."""
        rows = (
            employees.filter(agency_id=self.agency_id).exclude(invitations__ceremony=self).values_list("pk", "unit_id")
        )
        before = self.invitations.count()
        Invitation.objects.bulk_create(
            [Invitation(ceremony=self, employee_id=pk, unit_id=unit_id) for pk, unit_id in rows],
            batch_size=2000,
            ignore_conflicts=True,
        )
        return self.invitations.count() - before


def new_personal_code():
    return new_code(PERSONAL_CODE_LENGTH)


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(ceremony__agency__in=Agency.objects.visible_to(user))

    def signed(self):
        """Signed, including those whose pact the retention schedule has since destroyed."""
        return self.filter(signed_condition())

    def unsigned(self):
        """Not signed: no signature and no tombstone of a destroyed one (reminders go
        only to these)."""
        return self.filter(signature__isnull=True).exclude(Exists(_tombstones()))

    def with_destroyed_pact(self):
        """Each invitation with ``pact_destroyed_at``: when the retention schedule destroyed
        the pact signed with it (``None`` if none was), and that pact's ``destroyed_signed_at``
        and ``destroyed_code``: one subquery each on the tombstones' index, in the same query."""
        tombstones = _tombstones()
        return self.annotate(
            pact_destroyed_at=Subquery(tombstones.values("destroyed_at")[:1]),
            destroyed_signed_at=Subquery(tombstones.values("signed_at")[:1]),
            destroyed_code=Subquery(tombstones.values("verification_code")[:1]),
        )

    def search(self, query):
        """Invitations of the people found by ``query`` (name, NIP or NIK)."""
        return self.filter(search_condition(query, prefix="employee__"))

    def for_signing(self, token):
        """The invitation of a personal link with everything signing reads — its ceremony
        (status, window), agency, election, pact version, employee and unit — in one
        query, all fresh; ``None`` for an unknown token. A signing request does little
        else, so this query's SQL is built once per process (``netralitas.lib.django_pinned``)."""
        invitation = _FOR_SIGNING.get(token)
        if invitation is not None and invitation.employee.agency_id == invitation.ceremony.agency_id:
            invitation.employee.agency = invitation.ceremony.agency
        return invitation


class Invitation(models.Model):
    """One employee invited to sign at one ceremony, reached by an unguessable link
    (``token``) or by NIP plus ``code`` on the apel page."""

    ceremony = models.ForeignKey(Ceremony, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("apel"))
    employee = models.ForeignKey(
        "roster.Employee", on_delete=models.PROTECT, related_name="invitations", verbose_name=_("pegawai")
    )
    # The unit at invitation time: the live board and the recap count per unit
    # without following later transfers.
    unit = models.ForeignKey(
        "roster.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit kerja")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_link_token, editable=False)
    code = models.CharField(_("kode pribadi"), max_length=12, default=new_personal_code, editable=False)
    created_at = models.DateTimeField(_("diundang"), auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("undangan")
        verbose_name_plural = _("undangan")
        ordering = ["ceremony", "employee__name"]
        constraints = [
            models.UniqueConstraint(fields=["ceremony", "employee"], name="invitation_once_per_ceremony"),
        ]
        indexes = [models.Index(fields=["ceremony", "unit"], name="invitation_ceremony_unit")]

    def __str__(self):
        return f"{self.employee.name} — {self.ceremony.title}"

    def get_absolute_url(self):
        return reverse("pledges:sign", args=[self.token])

    @property
    def public_url(self):
        return settings.PUBLIC_BASE_URL + self.get_absolute_url()


class Reminder(models.Model):
    """One reminder sent to one invited employee who had not signed: a WhatsApp
    message (to the person, or listing them for their unit head), a printed reminder
    sheet, or an email (``ceremonies.reminders``). The live board counts the distinct
    invitations reminded; the audit trail says who sent what."""

    class Channel(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp")
        WHATSAPP_UNIT = "whatsapp_unit", _("WhatsApp kepala unit")
        SHEET = "sheet", _("Lembar pengingat")
        EMAIL = "email", _("Email")

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("undangan")
    )
    channel = models.CharField(_("saluran"), max_length=20, choices=Channel.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The job that sent it (sheets, email): a retried job does not remind twice.
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("pengingat")
        verbose_name_plural = _("pengingat")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.get_channel_display()} — {self.invitation_id}"


_FOR_SIGNING = OneRow(
    Invitation, "token", ["ceremony__agency", "ceremony__election", "ceremony__pact_template", "employee", "unit"]
)
