"""Making, storing — once — and serving the signed PDF of a signature.

``pact_document_create`` is the one way a PDF comes to exist, used by the
background task and by the sweeper command alike. It never writes over an
existing PDF: the database's one-to-one decides which render is kept, and a
render that lost the race deletes its own file.
"""

import io
import logging
from contextlib import nullcontext

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.shortcuts import render
from django.utils.text import slugify

from netralitas.lib import events
from netralitas.lib.tokens import group_code
from pledges import evidence
from pledges.models import PactDocument, Signature, StorageFinding, sha256_hex
from pledges.pdf.pact import build_signed_pdf
from pledges.pdf.seal import seal_facts

logger = logging.getLogger(__name__)
NAME_SLUG_LENGTH = 60


class SealedThroughBsre(Exception):  # noqa: N818 — a fact the caller acts on, not an error
    """The signature's agency seals through BSrE: its PDF is made by ``pledges.bsre``."""

    def __init__(self, agency):
        super().__init__(str(agency))
        self.agency = agency


def pact_document_create(signature_id):
    """Render, seal and store the PDF of a signature unless it already has one.
    Returns the ``PactDocument``; :class:`SealedThroughBsre` when BSrE seals it."""
    # One query for the signature and, if one was stored already, its document.
    signature = Signature.objects.select_related("invitation__ceremony__agency", "document").get(pk=signature_id)
    existing = getattr(signature, "document", None)
    if existing is not None:
        return existing
    if signature.invitation.ceremony.agency.seals_through_bsre:
        raise SealedThroughBsre(signature.invitation.ceremony.agency)
    data = build_signed_pdf(signature)
    level, timestamp_expires_at = seal_facts(data) if settings.TSA_URL else (PactDocument.SealLevel.B_B, None)
    return pact_document_store(signature, data, seal_level=level, timestamp_expires_at=timestamp_expires_at)


def pact_document_store(signature, data, *, seal_level, timestamp_expires_at, sealed_by=None, pdfa=True):
    """Store ``data`` as the sealed PDF of ``signature`` — unless another render was
    stored first, which is then returned and ``data`` dropped: one document per
    signature, whoever sealed it."""
    document = PactDocument(
        signature=signature,
        sha256=sha256_hex(data),
        size=len(data),
        seal_level=seal_level,
        timestamp_expires_at=timestamp_expires_at,
        sealed_by=sealed_by or PactDocument.SealedBy.CERTIFICATE,
        pdfa=pdfa,
    )
    # The storage picks a fresh name if one exists: a file is never overwritten.
    document.file.save(f"{signature.verification_code}.pdf", ContentFile(data), save=False)
    try:
        # One INSERT is atomic by itself; inside a caller's transaction a savepoint
        # keeps that transaction usable when another worker stored the PDF first.
        agency_id = signature.invitation.ceremony.agency_id
        announce = events.wanted(events.DOCUMENT_SEALED, agency_id)  # in memory; the webhooks' outbox row with it
        with transaction.atomic() if announce or transaction.get_connection().in_atomic_block else nullcontext():
            document.save(force_insert=True)
            if announce:
                events.emit(
                    events.DOCUMENT_SEALED,
                    agency_id,
                    ceremony=signature.invitation.ceremony_id,
                    signature=signature.pk,
                    seal_level=document.seal_level,
                    sha256=document.sha256,
                )
    except IntegrityError:
        document.file.delete(save=False)
        logger.info("PDF of signature %s was stored by another worker first", signature.pk)
        return PactDocument.objects.get(signature_id=signature.pk)
    return document


def signatures_without_document():
    return Signature.objects.filter(document__isnull=True).order_by("signed_at")


def pact_file_name(signer, code):
    """``pakta-budi-santoso-se-AB3K9-XY7QP.pdf``: the signer's name and the pact's
    verification code. Never the NIP (it holds the birth date) — a file name is
    copied into mails, chats and folder listings."""
    slug = slugify(signer.get("name", ""))[:NAME_SLUG_LENGTH].strip("-") or "tanpa-nama"
    return f"pakta-{slug}-{group_code(code)}.pdf"


def document_response(request, document, as_attachment=False):
    """Serve a stored pact PDF under :func:`pact_file_name`, never cached on the way —
    only when its bytes still have the SHA-256 recorded when it was sealed.

    A file gone from storage (a restore without the media folder, a disk fault) or
    altered gets a page that says so, not an error and never the file: the signature
    itself is still on record, the discovery is noted (``pledges.evidence``: the
    trail, the operator's apel page), and ``manage.py check_storage`` lists every
    such file for the administrator."""
    signature = document.signature
    reading = evidence.check(document, StorageFinding.During.DOWNLOAD, request=request)
    if reading.state != PactDocument.FileState.INTACT:
        missing = reading.state == PactDocument.FileState.MISSING
        # By the document's id: a verification code never goes into a log (check_storage
        # and the trail name the pact).
        logger.error(
            "Pact PDF #%s is %s in storage", document.pk, "missing" if missing else "altered (SHA-256 differs)"
        )
        return render(
            request,
            "pledges/file_missing.html",
            {"code": signature.display_code, "verify_url": signature.get_absolute_url(), "altered": not missing},
            status=404 if missing else 409,
        )
    filename = pact_file_name(signature.signer, signature.verification_code)
    response = FileResponse(
        io.BytesIO(reading.data), content_type="application/pdf", filename=filename, as_attachment=as_attachment
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
