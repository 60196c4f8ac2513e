"""The B-B CMS template (pledges/pdf/pyhanko_pinned.py): its pins fail by name when
pyHanko or asn1crypto change; it serves only the mechanisms it was verified with, so
an RSA-PSS seal is pyHanko's own and validates; any error in it means pyHanko's CMS,
logged once per process."""

import concurrent.futures
import dataclasses
import datetime
import importlib
import importlib.metadata
import io
import logging

import pytest
from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from weasyprint import HTML

from pledges.pdf import pyhanko_pinned
from pledges.pdf.certificates import KeptKeySigner
from pledges.pdf.pyhanko_pinned import FIELDS, SIGNATURES, VERIFIED_WITH, cms_templates

WHAT_TO_DO = (
    "adapt pledges/pdf/pyhanko_pinned.py and its tables, or delete it so that pyHanko builds every CMS; "
    "see the module's docstring"
)


@pytest.mark.parametrize("distribution", sorted(VERIFIED_WITH))
def test_the_installed_version_is_the_one_the_cms_template_was_verified_with(distribution):
    installed = importlib.metadata.version(distribution)
    assert installed == VERIFIED_WITH[distribution], (
        f"{distribution} is {installed}; the CMS template was verified with {VERIFIED_WITH[distribution]}: "
        f"run this file and tests/pledges/test_pdf.py, re-measure (make bench-pdf "
        f'BENCH_ARGS="--compare-shortcuts"), then update VERIFIED_WITH — or {WHAT_TO_DO}'
    )


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_every_pyhanko_method_the_template_overrides_or_calls_has_its_verified_signature(name):
    assert pyhanko_pinned.changed_signatures().get(name) is None, (
        f"pyhanko Signer.{name} is now {pyhanko_pinned.changed_signatures()[name]}, verified as "
        f"{SIGNATURES[name]}: {WHAT_TO_DO}"
    )


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_structure_the_template_cuts_has_its_verified_fields(name):
    module, _, attribute = name.rpartition(".")
    structure = getattr(importlib.import_module(module), attribute)
    if dataclasses.is_dataclass(structure):
        actual = tuple(field.name for field in dataclasses.fields(structure))
    else:
        actual = tuple(field[0] for field in structure._fields)  # asn1crypto's field order: the DER order
    assert actual == FIELDS[name], f"{name} now has the fields {actual}, verified as {FIELDS[name]}: {WHAT_TO_DO}"


# -- seals by each kind of key ---------------------------------------------------------


def _name(common_name):
    return x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )


@pytest.fixture(scope="module")
def root():
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("Root CA Uji"))
        .issuer_name(_name("Root CA Uji"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),  # certificate and CRL signing
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _asn1(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def seal_signer(root, private_key, **options):
    """An agency's signer as ``certificates._load`` builds it, for ``private_key``."""
    root_key, root_certificate = root
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("Segel Instansi Uji"))
        .issuer_name(root_certificate.subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),  # signing, non-repudiation
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeptKeySigner(
        private_key=private_key,
        signing_cert=_asn1(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(certificate), _asn1(root_certificate)]),
        **options,
    )


def outside_any_event_loop(function, *args):
    """``function(*args)`` in a thread of its own: pyHanko's synchronous calls start an
    event loop (``asyncio.run``), which a browser test earlier in this worker may have
    left running in the main thread (see tests/pledges/test_backup.py)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function, *args).result()


def seal(signer, number):
    """A one-page PDF sealed B-B as pledges.pdf.seal seals a pact (PAdES, room reserved)."""
    return outside_any_event_loop(_seal, signer, number)


def _seal(signer, number):
    pdf = HTML(string=f"<p>Pakta nomor {number}</p>").write_pdf()
    metadata = signers.PdfSignatureMetadata(
        field_name="SegelInstansi", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf_signer = signers.PdfSigner(
        metadata, signer=signer, new_field_spec=fields.SigFieldSpec("SegelInstansi", box=None)
    )
    return pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=16_384).getvalue()


def assert_valid(data, root):
    (embedded,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    context = ValidationContext(trust_roots=[_asn1(root[1])])
    status = outside_any_event_loop(validate_pdf_signature, embedded, context)
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE", status.pretty_print_details()
    return embedded.signer_info["signature_algorithm"]["algorithm"].native


KEYS = {
    "EC P-256, ECDSA with SHA-256": (lambda: ec.generate_private_key(ec.SECP256R1()), {}, "sha256_ecdsa", True),
    "RSA-2048, PKCS#1 v1.5 with SHA-256": (
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        {},
        "sha256_rsa",
        True,
    ),
    "RSA-2048, RSA-PSS": (
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        {"prefer_pss": True},
        "rsassa_pss",
        False,
    ),
}


@pytest.mark.parametrize("kind", KEYS)
def test_seals_validate_and_only_verified_mechanisms_use_the_template(kind, root):
    make_key, options, mechanism, templated = KEYS[kind]
    cms_templates.reset()
    signer = seal_signer(root, make_key(), **options)
    sealed = [seal(signer, number) for number in range(3)]
    for data in sealed:
        assert assert_valid(data, root) == mechanism
    assert any(template is not None for template in signer.templates.values()) == templated
    signatures = {
        PdfFileReader(io.BytesIO(data)).embedded_signatures[0].signer_info["signature"].native for data in sealed
    }
    assert len(signatures) == 3


def test_an_error_in_the_template_means_pyhankos_own_cms_logged_once(root, caplog, monkeypatch):
    """As if asn1crypto's ``ContentInfo.load`` changed: only the template path reads
    a CMS back while sealing."""
    cms_templates.reset()
    signer = seal_signer(root, ec.generate_private_key(ec.SECP256R1()))

    def load(cls, encoded_data, strict=False, *, new_option):
        raise AssertionError("never called: Python refuses the call")

    with caplog.at_level(logging.DEBUG, logger=pyhanko_pinned.__name__):
        with monkeypatch.context() as changed:
            changed.setattr(cms.ContentInfo, "load", classmethod(load))
            sealed = [seal(signer, number) for number in range(3)]
    for data in sealed:
        assert assert_valid(data, root) == "sha256_ecdsa"
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "pyhanko_pinned" in warnings[0].getMessage()


def test_a_changed_pyhanko_turns_the_template_off_logged_once(root, caplog, monkeypatch):
    """As if pyHanko's ``async_sign`` took another argument: the check a worker runs
    before its first seal turns the template off; the seals are pyHanko's own."""
    original = signers.Signer.async_sign

    async def async_sign(
        self, data_digest, digest_algorithm, dry_run=False, use_pades=False, *, new_option=None, **rest
    ):
        return await original(self, data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades, **rest)

    monkeypatch.setattr(signers.Signer, "async_sign", async_sign)
    cms_templates.reset()
    signer = seal_signer(root, ec.generate_private_key(ec.SECP256R1()))
    with caplog.at_level(logging.WARNING, logger=pyhanko_pinned.__name__):
        sealed = [seal(signer, number) for number in range(2)]
    for data in sealed:
        assert assert_valid(data, root) == "sha256_ecdsa"
    assert signer.templates == {}
    assert [record.getMessage().split(":")[0] for record in caplog.records] == [
        "pyHanko is not the version the CMS template was verified with (pledges/pdf/pyhanko_pinned.py)"
    ]
