"""The agency's seal certificate: a development chain (root CA, one certificate per
agency), and one readiness check that says in Indonesian why a certificate cannot
seal — missing, locked, wrong password, not yet valid, expired."""

import datetime
import shutil

import pytest
from cryptography import x509
from django.utils import timezone, translation

from pledges.pdf import certificates
from pledges.pdf.certificates import (
    CertificateNotUsable,
    certificate_status,
    create_dev_certificate,
    signer_for,
    trust_roots,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_development_certificates_form_a_chain(agency, settings):
    other = factories.agency()
    create_dev_certificate(other)
    root = x509.load_pem_x509_certificate((settings.SIGNING_KEYS_DIR / certificates.DEV_ROOT_CERT).read_bytes())
    for each in (agency, other):
        loaded = certificates.load(each)
        assert loaded.certificate.issuer == root.subject != loaded.certificate.subject
        loaded.certificate.verify_directly_issued_by(root)
        assert loaded.chain == (root,)
        (anchor,) = trust_roots(each)
        assert anchor.sha256 == x509_sha256(root)


def x509_sha256(certificate):
    from cryptography.hazmat.primitives import hashes

    return certificate.fingerprint(hashes.SHA256())


def test_a_usable_certificate_says_until_when(agency):
    status = certificate_status(agency)
    assert status.usable and not status.expiring_soon
    assert status.expires_at > timezone.now() + datetime.timedelta(days=365 * 4)
    assert status.reason.startswith("Siap: sertifikat segel berlaku sampai ")
    assert str(status.expires_at.year) in status.reason


PRODUCTION_ADVICE = (
    "Sertifikat segel instansi belum diatur. Administrator: di Django admin, isi pada instansi ini "
    "“berkas sertifikat (PKCS#12)” dengan path berkas .p12 dari penyelenggara sertifikat (mis. BSrE/BSSN) di server "
    "dan “variabel lingkungan kata sandi sertifikat” dengan nama variabel lingkungan yang memuat kata sandinya "
    "(README, “Sertifikat segel instansi”)."
)


def test_a_missing_certificate_in_production_names_the_agencys_pkcs12_fields(db):
    """Production (no DEBUG, no `make run` key): the admin's own fields, never a
    development certificate."""
    agency = factories.agency()
    status = certificate_status(agency)
    assert not status.usable and status.expires_at is None
    assert status.reason == PRODUCTION_ADVICE
    with translation.override("en"):
        english = certificate_status(agency).reason
    assert "“certificate file (PKCS#12)”" in english and "create_dev_certificate" not in english
    with pytest.raises(CertificateNotUsable):
        signer_for(agency)


@pytest.mark.parametrize("setup", ["make run", "DEBUG"])
def test_a_missing_certificate_under_make_run_names_the_development_command(db, settings, setup):
    if setup == "DEBUG":
        settings.DEBUG = settings.DEVELOPMENT_SETUP = True
    else:
        settings.SECRET_KEY_FROM_DEV_FILE = settings.DEVELOPMENT_SETUP = True
    agency = factories.agency()
    assert certificate_status(agency).reason == (
        f"Sertifikat segel belum dibuat. Administrator: jalankan manage.py create_dev_certificate {agency.pk}."
    )
    with translation.override("en"):
        assert "has not been created" in certificate_status(agency).reason


@pytest.fixture
def production(agency, tmp_path, monkeypatch):
    """The agency pointed at its own PKCS#12 with the password in a named variable."""
    path = tmp_path / "bsre" / "segel.p12"
    path.parent.mkdir()
    shutil.copy(certificates.certificate_path(agency), path)
    agency.certificate_path = str(path)
    agency.certificate_password_env = "SEGEL_UJI_PASSWORD"
    agency.save()
    monkeypatch.setenv("SEGEL_UJI_PASSWORD", certificates.DEV_PASSWORD_DEFAULT)
    return agency


def test_production_certificate_problems_are_named(production, monkeypatch):
    assert certificate_status(production).usable
    monkeypatch.delenv("SEGEL_UJI_PASSWORD")
    assert certificate_status(production).reason == (
        "Kata sandi sertifikat segel belum diatur di server (variabel lingkungan SEGEL_UJI_PASSWORD)."
    )
    monkeypatch.setenv("SEGEL_UJI_PASSWORD", "salah")
    assert certificate_status(production).reason == (
        "Sertifikat segel tidak dapat dibuka: kata sandi salah atau berkasnya rusak."
    )
    monkeypatch.setenv("SEGEL_UJI_PASSWORD", certificates.DEV_PASSWORD_DEFAULT)
    certificates.certificate_path(production).unlink()
    status = certificate_status(production)
    assert not status.usable
    assert status.reason == "Berkas sertifikat segel (PKCS#12) instansi tidak ditemukan di server."


def test_expired_not_yet_valid_and_expiring_certificates(agency):
    now = timezone.now()
    create_dev_certificate(agency, force=True, valid_years=1, not_before=now - datetime.timedelta(days=400))
    status = certificate_status(agency)
    assert not status.usable
    assert status.reason.startswith("Sertifikat segel sudah kedaluwarsa sejak ")
    with pytest.raises(CertificateNotUsable, match="kedaluwarsa"):
        signer_for(agency)

    create_dev_certificate(agency, force=True, not_before=now + datetime.timedelta(days=2))
    assert certificate_status(agency).reason.startswith("Sertifikat segel baru berlaku mulai ")

    create_dev_certificate(agency, force=True, valid_years=1, not_before=now - datetime.timedelta(days=350))
    status = certificate_status(agency)
    assert status.usable and status.expiring_soon
    assert "perpanjang segera" in status.reason
