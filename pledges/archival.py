"""Archival document timestamps (PAdES B-LTA): keeping sealed pacts provable after
the certificates that vouch for them expire.

A seal's timestamp is only as good as the TSA certificate behind it. Before that
certificate expires, a document timestamp from the TSA (with today's certificate)
is added over the whole file together with the validation data of the previous
timestamp — and again before *that* one expires, and so on: a chain of evidence
(ETSI EN 319 142, PAdES-LTA).

Each new timestamp is a **new record** (:class:`~pledges.models.ArchivalTimestamp`)
and a new file that contains the previous one unchanged (an incremental update).
The sealed original and every earlier copy stay as they were, with their hashes.
``manage.py add_archival_timestamps`` (cron, e.g. monthly) runs this for every
pact whose latest timestamp expires within the chosen margin.
"""

import asyncio
import io
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import add_validation_info

from pledges.models import ArchivalTimestamp, PactDocument, sha256_hex
from pledges.pdf import seal

logger = logging.getLogger(__name__)


class NotStamped(Exception):
    """This pact could not be given an archival timestamp now; the message says why."""


def tsa_certificate_expiry():
    """Until when the TSA's current certificate is valid: learned from one real token
    (pyHanko keeps it to size later requests). Renewing with a certificate that does
    not outlast the previous one would gain nothing."""
    tsa = seal.timestamper()
    token = asyncio.run(tsa.async_dummy_response(seal.MD_ALGORITHM))
    return seal.token_facts(token["content"])[1]


def due(within, tsa_expiry, now=None):
    """The pacts to stamp now: those without an archival timestamp yet (the first one
    gives the seal's embedded validation data its proof of existence, so it should
    come soon after sealing, before the seal's certificate can expire or be revoked),
    and those whose latest archival timestamp expires within ``within`` and before the
    TSA's current certificate does. Oldest evidence first."""
    deadline = (now or timezone.now()) + within
    latest = ArchivalTimestamp.objects.filter(document=OuterRef("pk")).order_by("-stamped_at", "-pk")
    documents = PactDocument.objects.annotate(evidence_expires=Subquery(latest.values("expires_at")[:1]))
    return documents.filter(
        Q(evidence_expires__isnull=True) | Q(evidence_expires__lte=deadline, evidence_expires__lt=tsa_expiry)
    ).order_by(F("evidence_expires").asc(nulls_first=True), "pk")


def add_archival_timestamp(document):
    """Timestamp the latest stored version of ``document`` and store the result as a
    new :class:`ArchivalTimestamp`. Raises :class:`NotStamped` when the stored file
    is missing or altered, or the validation data cannot be gathered."""
    source = document.latest_archival_timestamp() or document
    try:
        with source.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        raise NotStamped(f"berkas {source.file.name} tidak ada di penyimpanan") from None
    if sha256_hex(data) != source.sha256:
        raise NotStamped(f"berkas {source.file.name} tidak cocok dengan SHA-256 tercatat")

    agency = document.signature.invitation.ceremony.agency
    reader = PdfFileReader(io.BytesIO(data))
    stamper = signers.PdfTimeStamper(seal.timestamper())
    try:
        context = seal.validation_context(agency)
        if reader.embedded_timestamp_signatures:
            output = stamper.update_archival_timestamp_chain(reader, context, in_place=False)
        else:
            if "/DSS" not in reader.root:
                # Sealed without a TSA (B-B): first the seal's own chain and revocation data.
                stream = add_validation_info(reader.embedded_regular_signatures[-1], context, in_place=False)
                data_with_dss = stream.getvalue()
                reader = PdfFileReader(io.BytesIO(data_with_dss))
            writer = IncrementalPdfFileWriter(io.BytesIO(reader.stream.getvalue()))
            output = stamper.timestamp_pdf(writer, seal.MD_ALGORITHM, validation_context=context)
    except Exception as error:  # pyHanko reports TSA, network and validation failures alike
        raise NotStamped(f"{type(error).__name__}: {error}") from error
    stamped = output.getvalue()
    if not stamped.startswith(data):
        raise NotStamped("hasil bukan pembaruan inkremental dari berkas sebelumnya")

    token = PdfFileReader(io.BytesIO(stamped)).embedded_timestamp_signatures[-1].signed_data
    stamped_at, expires_at = seal.token_facts(token)
    record = ArchivalTimestamp(
        document=document, sha256=sha256_hex(stamped), size=len(stamped), stamped_at=stamped_at, expires_at=expires_at
    )
    # The storage picks a fresh name if one exists: no file is ever overwritten.
    record.file.save("lta.pdf", ContentFile(stamped), save=False)
    try:
        with transaction.atomic():
            record.save(force_insert=True)
    except Exception:
        record.file.delete(save=False)
        raise
    logger.info("Archival timestamp %s for pact %s", record.pk, document.pk)
    return record
