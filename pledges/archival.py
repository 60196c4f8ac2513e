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

A copy is only kept when it proves itself: before it is stored, pyHanko's PAdES-LTA
validation — what ``pyhanko sign adesverify`` runs, with its verdict — must pass
against the roots the app trusts, revocation data required. A seal made without a TSA (B-B) whose
certificate names no OCSP responder or CRL (a development certificate) can never pass:
it is refused before the TSA is asked. A chain that no longer reaches a trusted root
(the agency's CA changed) is explained with its fix, ``SIGNING_TRUST_ROOTS``.
"""

import asyncio
import io
import logging
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation import add_validation_info
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import LocalKnowledge, PdfSignatureValidationSpec, SignatureValidationSpec
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.errors import PathBuildingError
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy, FreshnessReqType
from pyhanko_certvalidator.registry import SimpleTrustManager

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
    if "/DSS" not in reader.root and not _revocation_sources(reader.embedded_regular_signatures[-1].signer_cert):
        raise NotStamped(
            _(
                "disegel tanpa TSA (B-B) dengan sertifikat yang tidak menyebut layanan OCSP atau CRL (mis. sertifikat "
                "pengembangan): data pencabutannya tidak dapat disimpan, jadi stempel waktu arsip tidak akan lolos "
                "validasi (pyhanko sign adesverify). Tidak diberi stempel; segel dengan sertifikat instansi dari "
                "penyelenggara sertifikat (BSrE) dan TSA_URL agar pakta baru bertahan lama."
            )
        )
    stamper = signers.PdfTimeStamper(seal.timestamper())
    try:
        context = seal.validation_context(agency, document.sealed_by)
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
        broken = _broken_chain(error)
        if broken is not None:
            raise NotStamped(broken) from error
        raise NotStamped(f"{type(error).__name__}: {error}") from error
    stamped = output.getvalue()
    if not stamped.startswith(data):
        raise NotStamped("hasil bukan pembaruan inkremental dari berkas sebelumnya")
    result = lta_validation(stamped, agency, document.sealed_by)
    if not (result.api_status is not None and result.api_status.bottom_line):  # adesverify's own verdict
        raise NotStamped(
            _(
                "hasilnya tidak lolos validasi PAdES-LTA (%(reason)s), jadi tidak disimpan. Periksa bahwa akar rantai "
                "sertifikat segel dan TSA ada di SIGNING_TRUST_ROOTS dan layanan OCSP/CRL-nya dapat dihubungi, lalu "
                "jalankan lagi."
            )
            % {"reason": getattr(result.ades_subindic, "name", result.ades_subindic)}
        )

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


def lta_validation(data, agency, sealed_by=None):
    """pyHanko's PAdES-LTA validation of ``data`` (ETSI EN 319 102-1 § 5.6.3), as
    ``pyhanko sign adesverify --trust … --trust-replace`` runs it: only the roots the
    app trusts for the agency, revocation data required for every certificate."""
    roots, others = seal.trusted_certificates(agency, sealed_by)
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO, freshness=None, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION
        ),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(cert_validation_policy=policy, local_knowledge=LocalKnowledge(known_certs=others)),
        diff_policy=DEFAULT_DIFF_POLICY,
    )
    signature = PdfFileReader(io.BytesIO(data)).embedded_regular_signatures[0]
    return asyncio.run(ades_lta_validation(signature, spec, timing_info=ValidationTimingInfo.now()))


def _revocation_sources(certificate):
    """Whether a certificate names where its revocation status is found (OCSP or CRL)."""
    return bool(certificate.ocsp_urls or certificate.crl_distribution_points)


_NO_ISSUER = re.compile(r'certificate "(?P<subject>.*)" - no issuer matching "(?P<issuer>.*)" was found')


def _broken_chain(error):
    """The Indonesian explanation, with its fix, when ``error`` (or what caused it) is a
    chain that does not reach a trusted root; ``None`` for any other error."""
    while error is not None and not isinstance(error, PathBuildingError):
        error = error.__cause__ or error.__context__
    if error is None:
        return None
    names = _NO_ISSUER.search(str(error))
    where = (
        _("penerbit “%(issuer)s” dari sertifikat “%(subject)s” tidak dikenal") % names.groupdict()
        if names
        else _("penerbitnya tidak dikenal")
    )
    return _(
        "rantai sertifikat tidak sampai ke akar yang dipercaya: %(where)s. Bila CA instansi (atau TSA) telah "
        "berganti, tambahkan sertifikat akar yang lama ke SIGNING_TRUST_ROOTS (berkas PEM/DER, dipisah koma; "
        "README, “Sertifikat segel instansi”), lalu jalankan add_archival_timestamps lagi."
    ) % {"where": where}
