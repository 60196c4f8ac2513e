"""The server's BSrE settings, read without touching the database: whether an agency is
set up to seal through BSrE at all (cheap enough for every request that asks whether a
signing window opened) and BSrE's trusted roots."""

import functools
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

SERVER_SETTINGS = ("BSRE_URL", "BSRE_USERNAME", "BSRE_PASSWORD")


def missing_settings():
    """The BSrE settings the server lacks (names), ``BSRE_TRUST_ROOTS`` files included."""
    missing = [name for name in SERVER_SETTINGS if not getattr(settings, name)]
    if not settings.BSRE_TRUST_ROOTS or not all(Path(path).is_file() for path in settings.BSRE_TRUST_ROOTS):
        missing.append("BSRE_TRUST_ROOTS")
    return missing


def configured(agency):
    """The agency has a subscriber and the server its BSrE settings. Enough for a
    scheduled apel to open; the readiness panel tells the rest (``pledges.bsre.status``)."""
    return bool(agency.bsre_subscriber and settings.BSRE_URL and settings.BSRE_USERNAME and settings.BSRE_TRUST_ROOTS)


@functools.lru_cache(maxsize=8)
def _roots(path, mtime):
    data = Path(path).read_bytes()
    if b"-----BEGIN" in data:
        certificates = x509.load_pem_x509_certificates(data)
    else:
        certificates = [x509.load_der_x509_certificate(data)]
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certificates]


def trust_roots():
    """BSrE's roots from ``BSRE_TRUST_ROOTS`` (PEM or DER files), each file read once per
    version: what a returned seal must chain to, then and years later."""
    roots = []
    for path in settings.BSRE_TRUST_ROOTS:
        roots += _roots(str(path), Path(path).stat().st_mtime_ns)
    return roots
