"""What a new apel still needs before its signers can sign: invitations, a signing
window (or the operator's button), the agency's seal certificate, and a public
address a phone can open. The apel page shows it as a panel; signing is opened by
hand only when nothing blocking is missing. The panel also says when signed PDFs of
the apel were found gone or altered in storage (``pledges.evidence``)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from netralitas.lib.address import is_loopback


@dataclass(frozen=True)
class Readiness:
    invited: int
    certificate: object  # pledges.seal_readiness.CertificateStatus
    public_url: str
    public_url_local: bool  # only the server itself can open it: a phone cannot
    window_ended: bool
    damaged_pdfs: int = 0  # signed PDFs found gone or altered, not restored yet (not blocking)
    through_bsre: bool = False  # the agency seals through BSrE (pledges.bsre)
    bsre_waiting: int = 0  # pacts of the apel still waiting for BSrE's seal
    bsre_given_up: int = 0  # pacts whose BSrE answers failed the checks too often (not blocking)

    @property
    def ready(self):
        """Nothing blocking is missing: signing may be opened."""
        return not self.problems()

    def problems(self):
        """Why signing cannot be opened, for people, in the page's language."""
        problems = []
        if not self.invited:
            problems.append(_("Belum ada pegawai yang diundang: undang unit atau pegawai dulu."))
        if not self.certificate.usable:
            problems.append(self.certificate.reason)
        return problems


def readiness(ceremony, *, invited=None, now=None):
    """The readiness of ``ceremony``; ``invited``, the number of its invitations when
    the caller has counted them already."""
    from pledges.bsre.status import queue
    from pledges.evidence import open_findings_count
    from pledges.pdf.certificates import certificate_status

    if invited is None:
        invited = ceremony.invitations.count()
    now = now or timezone.now()
    public_url = settings.PUBLIC_BASE_URL + "/"
    through_bsre = ceremony.agency.seals_through_bsre
    waiting, given_up = queue(ceremony) if through_bsre else (0, 0)
    return Readiness(
        invited=invited,
        certificate=certificate_status(ceremony.agency, now),
        public_url=public_url,
        public_url_local=is_loopback(urlsplit(public_url).hostname or ""),
        window_ended=bool(ceremony.signing_closes_at and ceremony.signing_closes_at <= now),
        damaged_pdfs=open_findings_count(ceremony),
        through_bsre=through_bsre,
        bsre_waiting=waiting,
        bsre_given_up=given_up,
    )
