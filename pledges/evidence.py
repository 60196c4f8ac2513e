"""A signed pact is handed out only as the file that was sealed.

Every hand-out reads the bytes it is about to give and compares their SHA-256 with
the one recorded when the PDF was made: the signer's and staff downloads
(``pledges.documents.document_response``), each entry of the Inspektorat's ZIP
(``inspektorat.archive``), the verification page and ``manage.py check_storage``.
A PDF that is gone or altered is never handed out as genuine.

What is found is remembered as a :class:`~pledges.models.StorageFinding`, so that
the trail records a discovery once rather than on every hand-out, and the
operator's apel page and live board can say so with a count instead of hashing
every PDF: the first discovery opens a finding and records one trail event; a
later check that finds the file intact again (restored from the backup) closes it
with another.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.log import record_for
from audit.models import AuditEvent
from netralitas.lib import storages_pinned
from netralitas.lib.http import client_ip
from pledges.models import PactDocument, StorageFinding

logger = logging.getLogger(__name__)
State = PactDocument.FileState

# Trail descriptions: stored in Indonesian whatever the page language (audit.log.describe).
FOUND = {
    State.MISSING: _(
        "PDF pakta kode %(code)s (%(name)s) HILANG dari penyimpanan; ditemukan saat %(during)s, tidak diberikan. "
        "Pulihkan berkasnya dari cadangan."
    ),
    State.ALTERED: _(
        "PDF pakta kode %(code)s (%(name)s) BERUBAH: SHA-256 berkas tersimpan %(actual)s tidak sama dengan yang "
        "tercatat %(recorded)s; ditemukan saat %(during)s, tidak diberikan. Pulihkan berkasnya dari cadangan."
    ),
}
INTACT_AGAIN = _(
    "PDF pakta kode %(code)s (%(name)s) utuh lagi: SHA-256 berkas tersimpan cocok dengan yang tercatat; "
    "ditemukan saat %(during)s."
)


@dataclass(frozen=True)
class Reading:
    """A stored PDF as read for a hand-out: its state, its bytes (only when intact)
    and what the bytes hash to (empty when the file is gone)."""

    state: str
    data: bytes | None = None
    sha256: str = ""


def read(data, recorded_sha256):
    """The :class:`Reading` of ``data`` (``None``: the file is gone) against the hash recorded for it."""
    if data is None:
        return Reading(State.MISSING)
    actual = hashlib.sha256(data).hexdigest()
    if actual != recorded_sha256:
        return Reading(State.ALTERED, None, actual)
    return Reading(State.INTACT, data, actual)


def stored_bytes(storage, name):
    """The stored file's bytes, read whole (a pact is tens of KB); ``None`` when it is
    gone — or named so that no storage would give it (``SuspiciousOperation``). From
    object storage in one request (``netralitas.lib.storages_pinned``)."""
    if storages_pinned.reads_by_url(storage):
        return storages_pinned.read(storage, name, opened_bytes)
    return opened_bytes(storage, name)


def opened_bytes(storage, name):
    """:func:`stored_bytes` through the storage's ``open``, the plain path."""
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except (OSError, SuspiciousOperation):
        return None


def read_stored(document):
    """Read ``document``'s file and check it."""
    return read(stored_bytes(document.file.storage, document.file.name), document.sha256)


def check(document, during, *, request=None, actor_name=None):
    """Read and check ``document`` for a hand-out, and note what was found."""
    reading = read_stored(document)
    note(document, reading, during, request=request, actor_name=actor_name)
    return reading


def note(document, reading, during, *, request=None, actor_name=None):
    """Remember what a hand-out found: open a finding (one trail event) for a file
    newly found gone or altered, close an open one (one trail event) for a file
    found intact again; nothing for what is already known."""
    now = timezone.now()
    if reading.state == State.INTACT:
        if StorageFinding.objects.filter(document=document, cleared_at__isnull=True).update(cleared_at=now):
            _record(document, INTACT_AGAIN, during, request, actor_name)
        return
    try:
        with transaction.atomic():
            finding = StorageFinding.objects.select_for_update().filter(document=document, cleared_at__isnull=True)
            finding = finding.first()
            if finding is not None and finding.state == reading.state:
                return
            if finding is None:
                StorageFinding.objects.create(document=document, state=reading.state, found_during=during)
            else:  # gone after being altered, or the other way round: a new discovery
                finding.state, finding.found_during = reading.state, during
                finding.save(update_fields=["state", "found_during"])
            _record(document, FOUND[reading.state], during, request, actor_name, reading=reading)
    except IntegrityError:
        pass  # another request found the same file a moment ago and recorded it


def _record(document, message, during, request, actor_name, reading=None):
    signature = document.signature
    if request is not None:
        user = request.user if request.user.is_authenticated else None
        ip_address = client_ip(request)
    else:
        user, ip_address = None, None
    record_for(
        user,
        ip_address,
        AuditEvent.Action.EVIDENCE,
        signature,
        message,
        actor_name=actor_name,
        code=signature.display_code,
        name=signature.signer.get("name", ""),
        during=StorageFinding.During(during).label,
        # Empty when only the size was compared (check_storage --cepat).
        actual=(reading.sha256 or "(tidak dihitung; ukurannya pun berbeda)") if reading else "",
        recorded=document.sha256,
    )


class Findings:
    """Noting what a hand-out of many PDFs finds (the ZIP, ``check_storage``): the
    open findings are read once, up front, and a PDF costs a query only when what is
    found about it differs from what was known."""

    def __init__(self, during, *, request=None, actor_name=None, open_findings=None):
        if open_findings is None:
            open_findings = StorageFinding.objects.all()
        self.known = dict(open_findings.filter(cleared_at__isnull=True).values_list("document_id", "state"))
        self.during, self.request, self.actor_name = during, request, actor_name

    def __call__(self, document_id, reading, document=None):
        known = self.known.get(document_id)
        if known == reading.state or (known is None and reading.state == State.INTACT):
            return
        try:
            if document is None:
                document = PactDocument.objects.select_related("signature__invitation__ceremony").get(pk=document_id)
            note(document, reading, self.during, request=self.request, actor_name=self.actor_name)
        except Exception:
            # Noting is secondary to the hand-out itself (a ZIP mid-stream, the storage
            # check), which already says what it found.
            logger.exception("Could not note the state of PDF %s", document_id)
            return
        self.known[document_id] = None if reading.state == State.INTACT else reading.state


def open_findings_count(ceremony):
    """How many of ``ceremony``'s PDFs were found gone or altered and not restored yet."""
    return StorageFinding.objects.filter(
        cleared_at__isnull=True, document__signature__invitation__ceremony=ceremony
    ).count()
