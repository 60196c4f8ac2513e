"""Whether an agency can seal pacts now: the one answer both seal services give —
its own certificate (``pledges.pdf.certificates``) and BSrE (``pledges.bsre.status``)."""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class CertificateStatus:
    """Whether an agency can seal pacts now. ``reason`` is for people, in the page's
    language (Indonesian first); ``expires_at`` when a certificate could be read."""

    usable: bool
    reason: str
    expires_at: datetime.datetime | None = None
    subject: str = ""
    expiring_soon: bool = False
