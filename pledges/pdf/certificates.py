"""The agency's seal certificate: which file, its password, loading it once per
process, whether it can be used today — and development certificates.

Production loads the agency's PKCS#12 (ideally issued by BSrE/BSSN) from the path
set on the agency, with its password in the environment variable named there.
For development, demo data and tests, :func:`create_dev_certificate` issues one
from a development root CA kept beside it in ``SIGNING_KEYS_DIR``: a small chain,
so that validating a seal means something (trust the root, not each agency).

:func:`certificate_status` is the one readiness check, for either seal service
(an agency sealing through BSrE is answered by ``pledges.bsre.status``): signing
cannot be opened for an agency whose seal is not ready — a certificate missing,
locked, expired or not yet valid, or BSrE not set up, refusing or silent
(``ceremonies``) — and the admin lists it per agency.
"""

import datetime
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pledges.bsre import configuration as bsre_configuration
from pledges.bsre.status import bsre_status
from pledges.pdf.pyhanko_pinned import CmsTemplateSigner
from pledges.seal_readiness import CertificateStatus

DEV_PASSWORD_ENV = "SIGNING_KEY_PASSWORD"
DEV_PASSWORD_DEFAULT = "netralitas-dev"
DEV_ROOT_KEY = "dev-root-ca.key.pem"
DEV_ROOT_CERT = "dev-root-ca.pem"
DEV_ROOT_YEARS = 20
EXPIRY_WARNING = datetime.timedelta(days=30)


class KeptKeySigner(CmsTemplateSigner):
    """pyHanko's SimpleSigner with its private key parsed once.

    SimpleSigner loads the key from DER for every signature, and ``cryptography``
    validates an RSA key on each load; a worker sealing thousands of pacts keeps the
    loaded key instead — for RSA PKCS#1 v1.5 and ECDSA; any other mechanism the signer
    names (RSA-PSS, EdDSA…) is signed by pyHanko itself, with that mechanism's
    parameters. Its B-B CMS come from a template (``pledges.pdf.pyhanko_pinned``)."""

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data, digest_algorithm):
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)["algorithm"].native
        key = self._private_key
        if mechanism == f"{digest_algorithm}_rsa" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == f"{digest_algorithm}_ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)


class CertificateNotUsable(ImproperlyConfigured):
    """The agency's certificate cannot seal now; ``str()`` says why, in Indonesian."""


@dataclass(frozen=True)
class Loaded:
    """An agency's PKCS#12, loaded: the signer and the certificates around it."""

    signer: KeptKeySigner
    certificate: x509.Certificate
    chain: tuple  # the other certificates in the file (issuers), cryptography objects


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
            raise CertificateNotUsable(
                _("Kata sandi sertifikat segel belum diatur di server (variabel lingkungan %(name)s).") % {"name": name}
            )
        value = DEV_PASSWORD_DEFAULT
    return value.encode()


def _asn1(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@functools.lru_cache(maxsize=64)
def _load(path, password, mtime):
    """Load once per file version: opening a PKCS#12 is slow (docs/performance.md)."""
    data = Path(path).read_bytes()
    private_key, certificate, chain = serialization.pkcs12.load_key_and_certificates(data, password)
    if private_key is None or certificate is None:
        raise CertificateNotUsable(_("Berkas sertifikat segel tidak berisi kunci privat dan sertifikat."))
    chain = tuple(chain or ())
    key_info = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert = _asn1(certificate)
    signer = KeptKeySigner(
        private_key=private_key,
        signing_cert=cert,
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([cert, *(_asn1(c) for c in chain)]),
    )
    return Loaded(signer=signer, certificate=certificate, chain=chain)


def load(agency):
    """The agency's loaded certificate, whatever its dates; raises
    :class:`CertificateNotUsable` (reason in Indonesian) when it cannot be read."""
    path = certificate_path(agency)
    if not path.is_file():
        if agency.certificate_path:
            raise CertificateNotUsable(_("Berkas sertifikat segel (PKCS#12) instansi tidak ditemukan di server."))
        raise CertificateNotUsable(_missing_certificate_advice(agency))
    password = certificate_password(agency)
    try:
        return _load(str(path), password, path.stat().st_mtime_ns)
    except CertificateNotUsable:
        raise
    except (ValueError, TypeError, OSError):
        raise CertificateNotUsable(
            _("Sertifikat segel tidak dapat dibuka: kata sandi salah atau berkasnya rusak.")
        ) from None


def _missing_certificate_advice(agency):
    """What to do for an agency without a certificate: under `make run` (or DEBUG) make a
    development one; in production set the agency's PKCS#12 fields in the admin."""
    if settings.DEVELOPMENT_SETUP:
        return _("Sertifikat segel belum dibuat. Administrator: jalankan manage.py create_dev_certificate %(id)s.") % {
            "id": agency.pk
        }
    fields = agency._meta
    return _(
        "Sertifikat segel instansi belum diatur. Administrator: di Django admin, isi pada instansi ini "
        "“%(path)s” dengan path berkas .p12 dari penyelenggara sertifikat (mis. BSrE/BSSN) di server dan "
        "“%(password)s” dengan nama variabel lingkungan yang memuat kata sandinya (README, “Sertifikat segel "
        "instansi”)."
    ) % {
        "path": fields.get_field("certificate_path").verbose_name,
        "password": fields.get_field("certificate_password_env").verbose_name,
    }


def _date(moment, agency):
    return formats.date_format(timezone.localtime(moment, agency.tzinfo), "j F Y")


def certificate_status(agency, now=None):
    """Can ``agency`` seal pacts now, and why not — through BSrE (``pledges.bsre.status``:
    what the workers last recorded, never a call to BSrE) or with its own certificate,
    whichever it uses. The readiness panel, the board, the apel form and the admin."""
    if agency.seals_through_bsre:
        return bsre_status(agency, now)
    return own_certificate_status(agency, now)


def own_certificate_status(agency, now=None):
    """Can ``agency``'s own PKCS#12 seal pacts now? Missing file, missing or wrong
    password, a file without key, not yet valid and expired are not usable; the reason
    says which."""
    now = now or timezone.now()
    try:
        loaded = load(agency)
    except CertificateNotUsable as problem:
        return CertificateStatus(usable=False, reason=str(problem))
    certificate = loaded.certificate
    expires = certificate.not_valid_after_utc
    subject = certificate.subject.rfc4514_string()
    if now < certificate.not_valid_before_utc:
        reason = _("Sertifikat segel baru berlaku mulai %(date)s.") % {
            "date": _date(certificate.not_valid_before_utc, agency)
        }
        return CertificateStatus(usable=False, reason=reason, expires_at=expires, subject=subject)
    if now >= expires:
        reason = _("Sertifikat segel sudah kedaluwarsa sejak %(date)s.") % {"date": _date(expires, agency)}
        return CertificateStatus(usable=False, reason=reason, expires_at=expires, subject=subject)
    if now + EXPIRY_WARNING >= expires:
        reason = _("Siap, tetapi sertifikat segel kedaluwarsa pada %(date)s: perpanjang segera.") % {
            "date": _date(expires, agency)
        }
        return CertificateStatus(usable=True, reason=reason, expires_at=expires, subject=subject, expiring_soon=True)
    reason = _("Siap: sertifikat segel berlaku sampai %(date)s.") % {"date": _date(expires, agency)}
    return CertificateStatus(usable=True, reason=reason, expires_at=expires, subject=subject)


def can_seal(agency, now=None):
    """``certificate_status(agency).usable`` without composing the reason: cheap enough
    for every request that asks whether a signing window has opened."""
    if agency.seals_through_bsre:
        return bsre_configuration.configured(agency)
    try:
        certificate = load(agency).certificate
    except CertificateNotUsable:
        return False
    return certificate.not_valid_before_utc <= (now or timezone.now()) < certificate.not_valid_after_utc


def signer_for(agency):
    """The agency's signer, if its certificate can seal now; otherwise
    :class:`CertificateNotUsable` with the reason."""
    loaded = load(agency)
    now = timezone.now()
    if not loaded.certificate.not_valid_before_utc <= now < loaded.certificate.not_valid_after_utc:
        raise CertificateNotUsable(f"{agency}: {own_certificate_status(agency, now).reason}")
    return loaded.signer


def configured_trust_roots():
    """The roots listed in ``SIGNING_TRUST_ROOTS`` (PEM or DER files)."""
    roots = []
    for path in settings.SIGNING_TRUST_ROOTS:
        data = Path(path).read_bytes()
        pem = b"-----BEGIN" in data
        roots += x509.load_pem_x509_certificates(data) if pem else [x509.load_der_x509_certificate(data)]
    return [_asn1(c) for c in roots]


def trust_roots(agency):
    """The roots a seal's chain is validated against when it is made (B-LT): the
    self-signed certificates the agency's PKCS#12 carries, plus ``SIGNING_TRUST_ROOTS``."""
    loaded = load(agency)
    own = [_asn1(c) for c in (loaded.certificate, *loaded.chain) if c.issuer == c.subject]
    return own + configured_trust_roots()


def other_certificates(agency):
    """The intermediate and root certificates in the agency's PKCS#12, for path building."""
    return [_asn1(c) for c in load(agency).chain]


# -- development certificates ----------------------------------------------------


def _dev_password():
    return os.environ.get(DEV_PASSWORD_ENV, DEV_PASSWORD_DEFAULT).encode()


def _name(organisation, common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def _key_usage(*, signing, ca):
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def dev_root_ca():
    """The development root CA ``(key, certificate)`` in ``SIGNING_KEYS_DIR``, made on
    first use. Trust it (``dev-root-ca.pem``) to validate development seals."""
    directory = Path(settings.SIGNING_KEYS_DIR)
    key_path, cert_path = directory / DEV_ROOT_KEY, directory / DEV_ROOT_CERT
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), _dev_password())
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("Netralitas (pengembangan)", "Netralitas Root CA Pengembangan")
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * DEV_ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    encryption = serialization.BestAvailableEncryption(_dev_password())
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate


def create_dev_certificate(agency, *, force=False, valid_years=5, not_before=None):
    """Issue ``agency`` a development certificate from the development root CA, where
    :func:`certificate_path` looks for it (the root goes in the PKCS#12 too). Returns
    the path; an existing file is kept unless ``force``."""
    if agency.certificate_path:
        raise ValueError(f"{agency} uses the production certificate {agency.certificate_path}; not replacing it.")
    path = certificate_path(agency)
    if path.exists() and not force:
        return path
    root_key, root = dev_root_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    start = not_before or datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(agency.name, f"{agency.short_name or agency.name} (pengembangan)"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * valid_years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True, ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    data = serialization.pkcs12.serialize_key_and_certificates(
        name=agency.short_name.encode() if agency.short_name else None,
        key=key,
        cert=certificate,
        cas=[root],
        encryption_algorithm=serialization.BestAvailableEncryption(certificate_password(agency)),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)
    return path
