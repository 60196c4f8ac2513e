"""Development certificates for the agency seal.

Production loads the agency's PKCS#12 (ideally issued by BSrE/BSSN) from the path
set on the agency, with its password in an environment variable. For development,
demo data and tests, this makes a self-signed EC P-256 certificate instead.
"""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pledges.pdf.seal import certificate_password, certificate_path


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
