"""What a file BSrE returns must be before it is stored as a pact.

The bytes we sent are an unchanged prefix (BSrE added an incremental update and took
nothing away), that update holds exactly one new signature, which covers the whole file,
is intact, chains to ``BSRE_TRUST_ROOTS`` and carries a timestamp. Whether the PDF/A-2
markers survived is recorded, not required: a seal that broke them is still BSrE's seal,
and the stored record says the file is no longer PDF/A instead of calling it so."""

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import NonexistentAttributeError, find_unique_cms_attribute
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from pledges.bsre.configuration import trust_roots
from pledges.pdf.seal import token_facts

PDF_17_VERSIONS = ("/1.4", "/1.5", "/1.6", "/1.7")


class Unacceptable(Exception):
    """The returned file is not a pact we may store; ``str()`` says why (no content)."""


@dataclass(frozen=True)
class Facts:
    seal_level: str  # "B-T" or "B-LT"
    timestamp_expires_at: object  # the signature timestamp's TSA certificate's expiry
    pdfa: bool


def validation_context():
    # No fetching: a seal is checked for its chain and integrity here; revocation data
    # is BSrE's to embed (B-LT) or ours to add later (add_archival_timestamps).
    return ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")


def check(sent, returned):
    """The :class:`Facts` of ``returned`` if it is ``sent`` sealed by BSrE; otherwise
    :class:`Unacceptable`."""
    if len(returned) <= len(sent) or returned[: len(sent)] != sent:
        raise Unacceptable("berkas dari BSrE tidak memuat pakta yang dikirim tanpa perubahan")
    try:
        reader = PdfFileReader(io.BytesIO(returned))
        signatures = reader.embedded_regular_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise Unacceptable(f"berkas dari BSrE tidak dapat dibaca ({type(error).__name__})") from None
    if len(signatures) != 1:
        raise Unacceptable(f"berkas dari BSrE memuat {len(signatures)} tanda tangan, bukan satu")
    signature = signatures[0]
    try:
        status = validate_pdf_signature(signature, validation_context())
    except (SignatureValidationError, ValueError, KeyError, TypeError) as error:
        raise Unacceptable(f"segel BSrE tidak dapat diperiksa ({type(error).__name__})") from None
    if not (status.intact and status.valid):
        raise Unacceptable("segel BSrE tidak utuh atau tidak sah")
    if not status.trusted:
        raise Unacceptable("penanda segel tidak berantai ke akar BSrE (BSRE_TRUST_ROOTS)")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        raise Unacceptable("segel BSrE tidak mencakup seluruh berkas")
    if status.timestamp_validity is None:
        raise Unacceptable("segel BSrE tidak membawa stempel waktu")
    if not (status.timestamp_validity.intact and status.timestamp_validity.valid):
        raise Unacceptable("stempel waktu pada segel BSrE tidak sah")
    try:
        token = find_unique_cms_attribute(signature.signer_info["unsigned_attrs"], "signature_time_stamp_token")
    except (NonexistentAttributeError, TypeError):
        raise Unacceptable("segel BSrE tidak membawa stempel waktu") from None
    expires = token_facts(token["content"])[1]
    level = "B-LT" if "/DSS" in reader.root else "B-T"
    return Facts(seal_level=level, timestamp_expires_at=expires, pdfa=keeps_pdfa(reader))


def keeps_pdfa(reader):
    """Whether the markers of PDF/A-2 that a seal can break are still as PDF/A-2 wants:
    PDF 1.7 at most in the header and catalog, only the ESIC extension at base 1.7, the
    output intent and the XMP ``pdfaid`` identification."""
    root = reader.root
    if reader.input_version > (1, 7):
        return False
    if "/Version" in root and str(root["/Version"]) not in PDF_17_VERSIONS:
        return False
    for prefix, extension in dict(root.get("/Extensions", {})).items():
        extension = extension.get_object()
        if str(prefix) != "/ESIC" or str(extension.get("/BaseVersion")) != "/1.7":
            return False
    if "/OutputIntents" not in root or "/Metadata" not in root:
        return False
    return b"pdfaid:part" in root["/Metadata"].get_object().data
