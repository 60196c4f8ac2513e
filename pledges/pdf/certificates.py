"""The agency's signing certificate for the PAdES seal: which file, its password,
loading it once per process — and development certificates.

Production loads the agency's PKCS#12 (ideally issued by BSrE/BSSN) from the path
set on the agency, with its password in the environment variable named there. For
development, demo data and tests, :func:`create_dev_certificate` makes a
self-signed EC P-256 certificate where :func:`certificate_path` looks for it.
"""

import datetime
import functools
import os
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.sign import signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore

DEV_PASSWORD_ENV = "SIGNING_KEY_PASSWORD"
DEV_PASSWORD_DEFAULT = "netralitas-dev"


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


def create_dev_certificate(agency, *, force=False, valid_years=5):
    """Write a self-signed certificate for ``agency`` where :func:`certificate_path`
    looks for it. Returns the path; an existing file is kept unless ``force``."""
    if agency.certificate_path:
        raise ValueError(f"{agency} uses the production certificate {agency.certificate_path}; not replacing it.")
    path = certificate_path(agency)
    if path.exists() and not force:
        return path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{agency.short_name or agency.name} (pengembangan)"[:64]),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * valid_years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    data = serialization.pkcs12.serialize_key_and_certificates(
        name=agency.short_name.encode() if agency.short_name else None,
        key=key,
        cert=certificate,
        cas=None,
        encryption_algorithm=serialization.BestAvailableEncryption(certificate_password(agency)),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)
    return path
