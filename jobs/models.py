"""Work that grows with the agency, run in the background: a roster import, the
link sheets of an apel, a recap with every name, an export.

A :class:`Job` is what the person who started it sees: what it is, how far it
got (``done`` of ``total``), how it ended, and the file it made — kept in the
default storage for ``JOB_FILES_DAYS`` days. The work itself runs in a task of
the queue (``jobs.tasks.run_job``) that calls the job's ``runner``.

Like the trail, this app sits below the apps that use it: it refers to
``roster.Agency`` by name and never imports an app above it.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The jobs a user started, while the agency they are about is still one
        the user may see. Another person's job — even a colleague's — is not."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        agencies = self.model._meta.get_field("agency").related_model.objects.visible_to(user)
        return self.filter(Q(agency__isnull=True) | Q(agency__in=agencies), user=user)

    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now())


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The name of a kind an app registered (jobs.kinds): a new kind needs no migration.
    kind = models.CharField(_("jenis"), max_length=30)
    title = models.CharField(_("judul"), max_length=300)
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("dimulai oleh"),
    )
    username = models.CharField(_("nama pengguna"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    agency = models.ForeignKey(
        "roster.Agency", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("instansi")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("tahap"), max_length=200, blank=True)
    done = models.PositiveIntegerField(_("selesai"), default=0)
    total = models.PositiveIntegerField(_("jumlah"), default=0)
    message = models.TextField(_("pesan"), blank=True)
    result = models.JSONField(_("hasil"), default=dict, blank=True)
    file = models.FileField(_("berkas"), upload_to="jobs/%Y/%m/", blank=True, max_length=300)
    filename = models.CharField(_("nama berkas"), max_length=200, blank=True)
    content_type = models.CharField(_("jenis berkas"), max_length=120, blank=True)
    size = models.PositiveBigIntegerField(_("ukuran"), default=0)
    task_id = models.CharField(_("id tugas"), max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kedaluwarsa"), db_index=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("pekerjaan")
        verbose_name_plural = _("pekerjaan")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_created")]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")) | Q(total=0), name="job_done_within_total"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.expires_at is None:
            self.expires_at = timezone.now() + datetime.timedelta(days=settings.JOB_FILES_DAYS)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("jobs:detail", args=[self.pk])

    @property
    def kind_label(self):
        """What people call this kind of job (the registered label, or its name)."""
        from jobs import kinds

        registered = kinds.get(self.kind)
        return registered.label if registered is not None else self.kind

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, int(self.done * 100 / self.total))

    @property
    def is_expired(self):
        """Past ``expires_at``: its file is no longer handed out, even before
        ``cleanup_jobs`` deletes it."""
        return self.expires_at <= timezone.now()

    @property
    def made_file(self):
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def has_file(self):
        """A file that may be downloaded now."""
        return self.made_file and not self.is_expired


class WorkerHeartbeat(models.Model):
    """A ``db_worker`` that is alive says so every few seconds. A task claimed by a
    worker whose heartbeat stopped is taken back (``jobs.worker.reclaim_stale_tasks``)."""

    worker_id = models.CharField(_("id pekerja"), max_length=64, primary_key=True)
    hostname = models.CharField(_("mesin"), max_length=200, blank=True)
    pid = models.PositiveIntegerField(_("PID"), default=0)
    started_at = models.DateTimeField(_("mulai"), auto_now_add=True)
    seen_at = models.DateTimeField(_("terakhir terlihat"), db_index=True)

    class Meta:
        verbose_name = _("detak pekerja")
        verbose_name_plural = _("detak pekerja")

    def __str__(self):
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
