"""The agency's seal on a pact: PAdES, at the level the configuration allows, and
never at the cost of the PDF/A the pact claims to be.

* No TSA configured (``make run``, benchmarks): **PAdES B-B** — the signature and
  the signing certificate, as fast as ever (the key is kept loaded, the CMS size is
  reserved up front).
* ``TSA_URL`` set (for Indonesian agencies BSrE/BSSN's TSA): **B-T**, an RFC 3161
  timestamp over the signature from that TSA, and **B-LT**, the certificate chains
  of the seal and of the TSA with their revocation data (OCSP/CRL, fetched now) in
  the document security store — so the seal can be shown valid after the
  certificate expires. ``manage.py add_archival_timestamps`` later adds document
  timestamps (B-LTA) to the stored pacts, as new records.

A TSA or revocation source that fails makes the seal fail: the render raises and
the background task retries (``pledges.tasks``); a pact is never sealed without the
timestamp the configuration asks for.

PDF/A-2 is PDF 1.7. pyHanko declares PDF 2.0 and the ISO/TS 32002 extension in the
catalog when the key is ECDSA on a NIST or Brainpool curve (our development
certificates, many production ones), which contradicts the file's PDF/A-2
identification. :class:`PdfA2Signer` declares only what PAdES defines for PDF 1.7
(the ESIC extension, base version 1.7); ECDSA is a PAdES algorithm there too.
"""

import base64
import functools
import io

from django.conf import settings
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import NonexistentAttributeError, extract_certificate_info, find_unique_cms_attribute
from pyhanko.sign.signers import constants
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import OwnedFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from pledges.bsre import configuration as bsre_configuration
from pledges.pdf.certificates import (
    CertificateNotUsable,
    configured_trust_roots,
    other_certificates,
    signer_for,
    trust_roots,
)

SIGNATURE_FIELD = "SegelInstansi"
CMS_OVERHEAD = 2048  # B-B: signed attributes and an RSA-4096 signature, besides the certificates
MD_ALGORITHM = "sha256"


class PdfA2Signer(signers.PdfSigner):
    """A PAdES signer that keeps the document at PDF 1.7 (see the module's docstring)."""

    def register_extensions(self, pdf_out, *, md_algorithm):
        if md_algorithm != MD_ALGORITHM:
            raise ValueError(f"{md_algorithm} is not a PDF 1.7 digest for a PDF/A-2 seal")
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(constants.ESIC_EXTENSION_1)


@functools.lru_cache(maxsize=4)
def _timestamper(url, username, password, timeout):
    # One per process: pyHanko keeps the size of a first real token to reserve room.
    headers = {}
    if username:
        credentials = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {credentials}"
    return HTTPTimeStamper(url, timeout=timeout, headers=headers)


def timestamper():
    """The configured TSA client, or ``None`` (no timestamps: B-B)."""
    if not settings.TSA_URL:
        return None
    return _timestamper(settings.TSA_URL, settings.TSA_USERNAME, settings.TSA_PASSWORD, settings.TSA_TIMEOUT)


def trusted_certificates(agency, sealed_by=None):
    """``(roots, other certificates)`` for validating an agency's seals: its PKCS#12's,
    plus ``SIGNING_TRUST_ROOTS``; the latter alone when the file is gone or replaced.
    A pact BSrE sealed (``sealed_by="bsre"``): ``BSRE_TRUST_ROOTS`` and ``SIGNING_TRUST_ROOTS``."""
    if sealed_by == "bsre":
        return bsre_configuration.trust_roots() + configured_trust_roots(), []
    try:
        return trust_roots(agency), other_certificates(agency)
    except CertificateNotUsable:
        return configured_trust_roots(), []


def validation_context(agency, sealed_by=None):
    """Validation at sealing time, whose results are embedded (B-LT): the agency's
    chain up to its root, revocation data fetched from the sources the certificates
    declare (a declared source that does not answer is an error). For archival
    timestamps of old pacts the agency's certificate file may be gone or replaced:
    then the configured roots (``SIGNING_TRUST_ROOTS``) alone."""
    roots, others = trusted_certificates(agency, sealed_by)
    return ValidationContext(
        trust_roots=roots,
        other_certs=others,
        allow_fetching=True,
        revocation_mode="hard-fail",
        # Owned: pyHanko closes its HTTP session when the seal is done (no leak per pact).
        fetcher_backend=OwnedFetcherBackend(AIOHttpFetcherBackend(per_request_timeout=settings.TSA_TIMEOUT)),
    )


def seal(writer, *, agency, reason, location):
    """Sign the incremental update in ``writer`` with the agency's seal; the sealed bytes."""
    tsa = timestamper()
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm=MD_ALGORITHM,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        embed_validation_info=tsa is not None,
        validation_context=validation_context(agency) if tsa is not None else None,
    )
    cms_signer = signer_for(agency)
    signer = PdfA2Signer(
        metadata,
        signer=cms_signer,
        timestamper=tsa,
        new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD, box=None),
    )
    reserved = None
    if tsa is None:
        # Reserving the room up front saves pyHanko a dry-run signature. Hex: twice the DER.
        reserved = 2 * (CMS_OVERHEAD + sum(len(cert.dump()) for cert in cms_signer.cert_registry))
    # With a timestamp the size is not known in advance: pyHanko estimates it (one dry
    # run, plus a margin for the TSA's token).
    output = signer.sign_pdf(writer, bytes_reserved=reserved)
    return output.getvalue()


def token_facts(signed_data):
    """``(time, TSA certificate's expiry)`` of an RFC 3161 timestamp token's SignedData."""
    tst_info = signed_data["encap_content_info"]["content"].parsed
    return tst_info["gen_time"].native, extract_certificate_info(signed_data).signer_cert.not_valid_after


def seal_facts(data):
    """``(level, expiry of the signature timestamp's TSA certificate)`` of a sealed pact,
    read from the file itself: B-B without a timestamp, B-T with one, B-LT with the
    validation data in the document security store too."""
    reader = PdfFileReader(io.BytesIO(data))
    signature = reader.embedded_regular_signatures[-1]
    try:
        token = find_unique_cms_attribute(signature.signer_info["unsigned_attrs"], "signature_time_stamp_token")
    except (NonexistentAttributeError, TypeError):
        return "B-B", None
    _time, expires = token_facts(token["content"])
    return ("B-LT" if "/DSS" in reader.root else "B-T"), expires
