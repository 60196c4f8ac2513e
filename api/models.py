"""API tokens: who may read the API, for which agencies, until when — and each use.

A token is shown once, when it is made (the admin's page after saving, or
``manage.py create_api_token``); only its SHA-256 is kept, with a short visible
prefix to find the row and to name the token in lists and the trail. A token reads
one agency, or what one auditor supervises (followed as the supervision changes:
an auditor who loses an agency, or is deactivated, takes the token's view along).
"""

import datetime
import hashlib
import re
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netralitas.lib.text import CleanTextMixin
from roster.models import Agency, StaffProfile

# "ntr_" + 8 characters to look the row up; the rest is the secret.
PREFIX_MARK = "ntr_"
PREFIX_LENGTH = 8
SECRET_BYTES = 32
TOKEN_SHAPE = re.compile(r"ntr_([0-9a-f]{8})_[A-Za-z0-9_-]{43}", re.ASCII)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token):
    """The lookup prefix of a presented token, or ``None`` when it is not shaped as ours."""
    match = TOKEN_SHAPE.fullmatch(token)
    return match[1] if match else None


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(CleanTextMixin, models.Model):
    """A read-only API token of one agency, or of an auditor's supervised agencies."""

    name = models.CharField(_("nama"), max_length=100, help_text=_("Untuk apa token ini, mis. “Dasbor BKD”."))
    prefix = models.CharField(_("awalan"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    token_sha256 = models.CharField(_("SHA-256 token"), max_length=64, editable=False)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("instansi"),
        help_text=_("Token satu instansi. Kosongkan bila token ini untuk auditor."),
    )
    auditor = models.ForeignKey(
        StaffProfile,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        limit_choices_to={"role": StaffProfile.Role.AUDITOR},
        verbose_name=_("auditor"),
        help_text=_("Token yang membaca semua instansi yang diawasi auditor ini."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("dibuat oleh"),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False, auditor__isnull=True) | Q(agency__isnull=True, auditor__isnull=False),
                name="api_token_one_scope",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({PREFIX_MARK}{self.prefix}…)"

    @classmethod
    def default_expiry(cls, now=None):
        return (now or timezone.now()) + datetime.timedelta(days=settings.API_TOKEN_DAYS)

    def issue(self):
        """Give this unsaved token its secret; returns the token text, shown once."""
        while True:
            prefix = secrets.token_hex(PREFIX_LENGTH // 2)
            if not ApiToken.objects.filter(prefix=prefix).exists():
                break
        token = f"{PREFIX_MARK}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
        self.prefix, self.token_sha256 = prefix, token_hash(token)
        if self.expires_at is None:
            self.expires_at = self.default_expiry()
        return token

    def matches(self, token):
        return secrets.compare_digest(self.token_sha256, token_hash(token))

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    def agencies(self):
        """The agencies this token reads — decided, for an auditor's token, by the same
        ``Agency.objects.visible_to`` as the auditor's pages."""
        if self.agency_id is not None:
            return Agency.objects.filter(pk=self.agency_id)
        return Agency.objects.visible_to(self.auditor.user)

    @property
    def user(self):
        """The staff account the token reads for (an auditor's), or ``None``."""
        return self.auditor.user if self.auditor_id else None

    def label(self):
        """How the trail names whoever used the token."""
        return f"token API {PREFIX_MARK}{self.prefix} ({self.name})"[:150]

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=self.revoked_at)


class TokenUse(models.Model):
    """One request made with a token: when, what, from where, and the answer's status."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="uses", verbose_name=_("token"))
    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    method = models.CharField(_("metode"), max_length=10)
    path = models.CharField(_("alamat"), max_length=300)
    status = models.PositiveSmallIntegerField(_("status"))
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("pemakaian token API")
        verbose_name_plural = _("pemakaian token API")
        ordering = ["-at"]
        indexes = [models.Index(fields=["token", "-at"], name="tokenuse_token_at")]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"
