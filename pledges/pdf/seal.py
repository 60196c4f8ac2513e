"""Drawing the verification QR code and sealing the pact with the agency's
certificate (PAdES, through pyHanko).

Both happen in one incremental update of WeasyPrint's PDF/A: the original bytes
stay as they are, so the output intent and the XMP ``pdfaid`` survive. The seal
is an invisible signature field — pyHanko's visible stamp uses a non-embedded
Courier, which PDF/A forbids.
"""

import functools
import io
import logging
import os
from pathlib import Path

import segno
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore

logger = logging.getLogger(__name__)

SIGNATURE_FIELD = "SegelInstansi"
BYTES_RESERVED = 12_288  # room for the CMS: certificate chain plus an RSA-4096 signature
DEV_PASSWORD_ENV = "SIGNING_KEY_PASSWORD"
DEV_PASSWORD_DEFAULT = "netralitas-dev"
QR_MASK = 2


class KeptKeySigner(signers.SimpleSigner):
    """A SimpleSigner that parses its private key once.

    pyHanko's SimpleSigner reloads the key from DER for every signature, and
    ``cryptography`` re-validates an RSA key on each load (~100 ms); a worker
    signing thousands of pacts keeps the loaded key instead."""

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data, digest_algorithm):
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._private_key, rsa.RSAPrivateKey):
            return self._private_key.sign(data, padding.PKCS1v15(), hash_algorithm)
        if isinstance(self._private_key, ec.EllipticCurvePrivateKey):
            return self._private_key.sign(data, ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


def certificate_path(agency):
    """Where the agency's PKCS#12 lives: the path set on the agency (production), or
    the development certificate made by ``manage.py create_dev_certificate``."""
    if agency.certificate_path:
        return Path(agency.certificate_path)
    return Path(settings.SIGNING_KEYS_DIR) / f"agency-{agency.pk}.p12"


def certificate_password(agency):
    """The PKCS#12 password comes from the environment variable named on the agency."""
    name = agency.certificate_password_env or DEV_PASSWORD_ENV
    value = os.environ.get(name)
    if value is None:
        if agency.certificate_path:
            raise ImproperlyConfigured(f"Environment variable {name} (certificate password of {agency}) is not set.")
        value = DEV_PASSWORD_DEFAULT
    return value.encode()


@functools.lru_cache(maxsize=64)
def _load_signer(path, password, mtime):
    data = Path(path).read_bytes()
    private_key, certificate, chain = serialization.pkcs12.load_key_and_certificates(data, password)
    if private_key is None or certificate is None:
        raise ImproperlyConfigured(f"{path} holds no private key and certificate.")
    cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    others = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain or []]
    key_info = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return KeptKeySigner(
        private_key=private_key,
        signing_cert=cert,
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([cert, *others]),
    )


def signer_for(agency):
    path = certificate_path(agency)
    if not path.exists():
        raise ImproperlyConfigured(
            f"No signing certificate for {agency} at {path}. "
            f"Create a development one with: manage.py create_dev_certificate {agency.pk}"
        )
    return _load_signer(str(path), certificate_password(agency), path.stat().st_mtime_ns)


def qr_content_stream(url, box):
    """PDF drawing operators for a QR code of ``url`` filling ``box`` (x, y, w, h in pt)."""
    # A fixed mask: every mask gives a valid code, and choosing the "best" one
    # costs segno ~6 ms of pure Python per pact.
    qr = segno.make(url, error="m", micro=False, mask=QR_MASK)
    matrix = qr.matrix
    size = len(matrix)
    x0, y0, width, height = box
    module = min(width, height) / size
    top = y0 + height
    ops = ["Q q 0 0 0 rg"]
    for row_index, row in enumerate(matrix):
        y = top - (row_index + 1) * module
        column = 0
        while column < size:
            if row[column]:
                start = column
                while column < size and row[column]:
                    column += 1
                ops.append(f"{x0 + start * module:.3f} {y:.3f} {(column - start) * module:.3f} {module:.3f} re")
            else:
                column += 1
    ops.append("f Q")
    return "\n".join(ops).encode("ascii")


OVERLAY_NAME = "/NtlOverlay"


def _overlay_form(writer, overlay_pdf):
    """The first page of ``overlay_pdf`` as a form XObject imported into ``writer``."""
    reader = PdfFileReader(io.BytesIO(overlay_pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    contents = page["/Contents"]
    streams = [ref.get_object() for ref in contents] if isinstance(contents, generic.ArrayObject) else [contents]
    form_dict = {
        generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
        generic.pdf_name("/BBox"): writer.import_object(page["/MediaBox"]),
        generic.pdf_name("/Resources"): writer.import_object(page["/Resources"]),
    }
    if "/Group" in page:
        form_dict[generic.pdf_name("/Group")] = writer.import_object(page["/Group"])
    if len(streams) == 1 and streams[0].get("/Filter") == "/FlateDecode" and "/DecodeParms" not in streams[0]:
        # WeasyPrint's single compressed content stream: copy it as it is.
        form_dict[generic.pdf_name("/Filter")] = generic.pdf_name("/FlateDecode")
        form = generic.StreamObject(form_dict, encoded_data=streams[0].encoded_data)
    else:
        form = generic.StreamObject(form_dict, stream_data=b"\n".join(stream.data for stream in streams))
        form.compress()
    return writer.add_object(form)


def seal_pdf(pdf, *, agency, qr_url, qr_box, reason, location, overlay=None, title=None):
    """Draw the signer's ``overlay`` page (if any) and the QR code into ``qr_box``,
    and sign — all in one incremental update of ``pdf``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # Wrap the existing page content in q … Q so that our drawing starts from the
    # default coordinate system whatever state WeasyPrint left behind.
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"q")), prepend=True)
    resources = None
    drawing = qr_content_stream(qr_url, qr_box)
    if overlay is not None:
        resources = generic.DictionaryObject(
            {
                generic.pdf_name("/XObject"): generic.DictionaryObject(
                    {generic.pdf_name(OVERLAY_NAME): _overlay_form(writer, overlay)}
                )
            }
        )
        drawing = f"Q q {OVERLAY_NAME} Do".encode() + b"\n" + drawing
    stream = generic.StreamObject(stream_data=drawing)
    stream.compress()
    writer.add_stream_to_page(0, writer.add_object(stream), resources=resources)
    if title:
        writer.document_meta.title = title
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    output = signers.sign_pdf(
        writer,
        metadata,
        signer=signer_for(agency),
        new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD, box=None),
        bytes_reserved=BYTES_RESERVED,
    )
    return output.getvalue()
