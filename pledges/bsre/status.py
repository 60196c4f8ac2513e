"""What the readiness panel, the admin and ``bsre_keepalive`` say about an agency that
seals through BSrE — from the settings and what the workers last recorded, never from a
call to BSrE inside a web request. ``pledges.pdf.certificates.certificate_status`` asks it for
a BSrE agency, and ``ceremonies.models`` asks that: the models come from the app registry,
so that this module does not import ``pledges.models`` (which imports ``ceremonies.models``)."""

from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from netralitas.lib.dates import waktu
from pledges.bsre.configuration import missing_settings
from pledges.seal_readiness import CertificateStatus


def bsre_status(agency, now=None):
    """A ``CertificateStatus`` for an agency sealing through BSrE."""
    now = now or timezone.now()

    def when(moment):
        return waktu(moment, agency.time_zone)

    def refused(reason):
        return CertificateStatus(usable=False, reason=reason)

    missing = missing_settings()
    if missing:
        return refused(
            _("Segel BSrE belum diatur di server: %(names)s (README, “Segel BSrE”).") % {"names": ", ".join(missing)}
        )
    if not agency.bsre_subscriber:
        return refused(_("ID subscriber BSrE instansi belum diisi: jalankan manage.py bsre_setup %(id)s.") % {
            "id": agency.pk})  # fmt: skip
    BsreCode = apps.get_model("pledges", "BsreCode")
    row = BsreCode.objects.filter(pk=agency.pk).first()
    if row is None:
        return refused(_("Belum ada kode sekali pakai BSrE: jalankan manage.py bsre_setup %(id)s.") % {"id": agency.pk})
    since = when(row.problem_since) if row.problem_since else "-"
    if row.problem == BsreCode.Problem.CHAIN:
        return refused(
            _(
                "Rantai kode sekali pakai BSrE terputus sejak %(since)s: minta kode baru ke BSrE, lalu jalankan "
                "manage.py bsre_setup %(id)s. Pakta yang masuk menunggu dalam antrean."
            )
            % {"since": since, "id": agency.pk}
        )
    if row.problem == BsreCode.Problem.AUTH:
        return refused(
            _(
                "BSrE menolak nama pengguna atau kata sandi (BSRE_USERNAME, BSRE_PASSWORD) sejak %(since)s. "
                "Pakta menunggu dalam antrean; penyegelan berlanjut sendiri setelah diperbaiki."
            )
            % {"since": since}
        )
    if row.problem == BsreCode.Problem.UNREACHABLE:
        return refused(
            _("BSrE tidak menjawab sejak %(since)s. Pakta menunggu dalam antrean dan disegel setelah BSrE kembali.")
            % {"since": since}
        )
    if row.refreshed_at is None:
        return refused(
            _("Kode pertama BSrE belum ditukar dengan kode berikutnya: pastikan pekerja (db_worker) berjalan.")
        )
    if row.expires_at <= now:
        return refused(
            _(
                "Kode sekali pakai BSrE kedaluwarsa pada %(at)s tanpa diperbarui (pekerja berhenti?): minta kode "
                "baru ke BSrE, lalu jalankan manage.py bsre_setup %(id)s."
            )
            % {"at": when(row.expires_at), "id": agency.pk}
        )
    return CertificateStatus(
        usable=True,
        reason=_(
            "Siap: pakta disegel melalui BSrE (subscriber %(subscriber)s); kode diperbarui otomatis, terakhir "
            "%(refreshed)s; BSrE terakhir menjawab %(answered)s."
        )
        % {
            "subscriber": agency.bsre_subscriber,
            "refreshed": when(row.refreshed_at),
            "answered": when(row.answered_at or row.refreshed_at),
        },
        subject="BSrE",
    )


def queue(ceremony):
    """``(waiting, given up)``: the apel's pacts still waiting for BSrE's seal, and those
    whose answers failed the checks too often (the operator's to look at)."""
    Signature = apps.get_model("pledges", "Signature")
    given_up = Q(bsre_lease__gave_up_at__isnull=False)
    counts = Signature.objects.filter(invitation__ceremony=ceremony, document__isnull=True).aggregate(
        waiting=Count("pk", filter=~given_up), given_up=Count("pk", filter=given_up)
    )
    return counts["waiting"], counts["given_up"]
