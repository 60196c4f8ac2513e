"""Proof that lasts: with a TSA configured the seal is PAdES B-LT (a timestamp from
the TSA, the chains and their revocation data embedded), archival timestamps make
it B-LTA as new records, and pyHanko validates the result under its PAdES-LTA
profile — all against a real local PKI over HTTP (tests/pki.py).

Without a TSA the seal stays B-B (tests/pledges/test_pdf.py); either way the file
keeps its PDF/A-2u invariants."""

import asyncio
import datetime
import io
import subprocess
import sys

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec, SignatureValidationSpec
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy, FreshnessReqType
from pyhanko_certvalidator.registry import SimpleTrustManager

from pledges.documents import pact_document_create
from pledges.models import ArchivalTimestamp, PactDocument, sha256_hex
from pledges.pdf import seal
from pledges.pdf.certificates import create_dev_certificate
from pledges.tasks import render_signature_pdf
from tests import pki
from tests.pdfa import assert_pdfa_2u

pytestmark = pytest.mark.django_db


def root_of(test_pki):
    return asn1_x509.Certificate.load(pem.unarmor(test_pki.root_pem.read_bytes())[2])


def read(document):
    with document.file.open("rb") as handle:
        return handle.read()


def flip_byte(data):
    position = data.index(b"stream") + 40  # inside the first page's content: signed by every signature
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def lta_validation(data, root, *, days_later=0):
    """pyHanko's PAdES-LTA validation (ETSI EN 319 102-1 § 5.6.3), as its CLI's
    ``adesverify`` runs it: trust only the test root, revocation data required."""
    signature = PdfFileReader(io.BytesIO(data)).embedded_regular_signatures[0]
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[root]),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION
        ),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(cert_validation_policy=policy), diff_policy=DEFAULT_DIFF_POLICY
    )
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days_later)
    timing = ValidationTimingInfo(validation_time=moment, best_signature_time=moment, point_in_time_validation=False)
    return asyncio.run(ades_lta_validation(signature, spec, timing_info=timing))


@pytest.fixture
def sealed(pki_agency, tsa, signature):
    """The stored B-LT pact of a signature sealed with the local PKI's certificate."""
    return pact_document_create(signature.pk)


def test_the_seal_is_b_lt_and_proves_itself_from_its_own_data(sealed, test_pki):
    data = read(sealed)
    assert sealed.seal_level == PactDocument.SealLevel.B_LT
    assert sealed.timestamp_expires_at == test_pki.tsa_valid_until
    assert_pdfa_2u(data)

    reader = PdfFileReader(io.BytesIO(data))
    (embedded,) = reader.embedded_regular_signatures
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps and dss.crls  # the seal's OCSP answer, the CRLs of the issuers and the TSA
    # Nothing fetched: only what the file carries, every certificate's revocation data required.
    before = len(test_pki.app.requests)
    context = dss.as_validation_context({"trust_roots": [root_of(test_pki)], "revocation_mode": "require"})
    status = validate_pdf_signature(embedded, signer_validation_context=context, ts_validation_context=context)
    assert test_pki.app.requests[before:] == []
    assert status.bottom_line and status.trusted and status.coverage.name == "ENTIRE_REVISION"
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.signing_cert.subject.native["common_name"] == "Segel Pemkot Bukittinggi"

    tampered = PdfFileReader(io.BytesIO(flip_byte(data))).embedded_regular_signatures[0]
    assert not validate_pdf_signature(tampered, signer_validation_context=context).intact


def test_archival_timestamps_are_new_records_valid_under_pades_lta(sealed, test_pki, tmp_path, capsys):
    original = read(sealed)
    call_command("add_archival_timestamps")
    assert "ditambahkan: 1, gagal: 0" in capsys.readouterr().out
    (stamp,) = ArchivalTimestamp.objects.all()
    assert read(sealed) == original and sha256_hex(original) == sealed.sha256  # the original is untouched
    archived = read(stamp)
    assert archived.startswith(original) and stamp.sha256 == sha256_hex(archived) and stamp.is_intact()
    assert stamp.expires_at == test_pki.tsa_valid_until
    assert_pdfa_2u(archived)

    root = root_of(test_pki)
    result = lta_validation(archived, root)
    assert result.ades_subindic == AdESPassed.OK
    assert result.oldest_evidence_record_timestamp == stamp.stamped_at
    # The sealed original has no document timestamp: it is B-LT, not yet B-LTA.
    assert lta_validation(original, root).ades_subindic != AdESPassed.OK

    # pyHanko's own command line agrees, and a one-byte change fails it.
    path, tampered = tmp_path / "pakta.pdf", tmp_path / "diubah.pdf"
    path.write_bytes(archived)
    tampered.write_bytes(flip_byte(archived))
    command = [sys.executable, "-m", "pyhanko", "sign", "adesverify", "--trust", str(test_pki.root_pem)]
    command += ["--trust-replace", "--executive-summary"]
    good = subprocess.run([*command, str(path)], capture_output=True, text=True)
    assert good.returncode == 0 and "VALID" in good.stdout, good.stdout + good.stderr
    bad = subprocess.run([*command, str(tampered)], capture_output=True, text=True)
    assert bad.returncode != 0 and "INVALID" in bad.stdout + bad.stderr

    # Nothing is due until the TSA's certificate nears its end: a second run adds nothing.
    call_command("add_archival_timestamps")
    assert "ditambahkan: 0, gagal: 0" in capsys.readouterr().out
    assert ArchivalTimestamp.objects.count() == 1


def test_archival_timestamps_are_renewed_before_they_expire(sealed, test_pki, settings, capsys):
    call_command("add_archival_timestamps", stdout=io.StringIO())
    first = ArchivalTimestamp.objects.get()
    # Within the margin of the first stamp's end, with a TSA whose certificate lasts longer.
    margin = str((first.expires_at - datetime.datetime.now(datetime.UTC)).days + 1)
    call_command("add_archival_timestamps", "--dalam-hari", margin)
    assert "ditambahkan: 0" in capsys.readouterr().out  # the same TSA certificate would gain nothing
    settings.TSA_URL = test_pki.tsa2_url
    call_command("add_archival_timestamps", "--dalam-hari", margin)
    assert "ditambahkan: 1, gagal: 0" in capsys.readouterr().out
    second = sealed.latest_archival_timestamp()
    assert second != first and second.expires_at > first.expires_at
    renewed = read(second)
    assert renewed.startswith(read(first)) and read(first) and first.is_intact()
    assert len(PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures) == 2
    result = lta_validation(renewed, root_of(test_pki))
    assert result.ades_subindic == AdESPassed.OK
    assert result.oldest_evidence_record_timestamp == first.stamped_at
    assert_pdfa_2u(renewed)


def test_after_the_seal_certificate_expires_only_the_archival_copy_still_proves(sealed, test_pki):
    """Half a year later the seal's certificate (60 days) has expired. The PKI's clock
    moves on too (its OCSP and CRLs are those of that day): the archival copy still
    validates under PAdES-LTA; the seal alone no longer does."""
    original = read(sealed)
    call_command("add_archival_timestamps", stdout=io.StringIO())
    archived = read(ArchivalTimestamp.objects.get())
    root = root_of(test_pki)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=200)
    animator = test_pki.app.app
    animator.fixed_time = later
    try:
        assert lta_validation(archived, root, days_later=200).ades_subindic == AdESPassed.OK
        assert lta_validation(original, root, days_later=200).ades_subindic != AdESPassed.OK
    finally:
        animator.fixed_time = None


@pytest.mark.parametrize("problem", ["wrong credentials", "no answer"])
def test_a_tsa_failure_never_fakes_a_timestamp(problem, pki_agency, tsa, signature, settings):
    if problem == "wrong credentials":
        settings.TSA_PASSWORD = "salah"
    else:
        settings.TSA_URL = "http://127.0.0.1:9/tsa"  # the discard port: nothing listens
    with pytest.raises(Exception):  # noqa: B017 — pyHanko's error for each way a TSA fails
        pact_document_create(signature.pk)
    assert not PactDocument.objects.exists()
    # The background task fails the same way and queues its retry.
    backend = render_signature_pdf.get_backend()
    backend.clear()
    with pytest.raises(Exception):  # noqa: B017
        render_signature_pdf.call(signature.pk)
    (retry,) = backend.results
    assert retry.args == [signature.pk] and retry.kwargs == {"attempt": 2}
    assert retry.task.run_after is not None


def test_a_revoked_certificate_does_not_seal(agency, tsa, signature, monkeypatch, test_pki):
    agency.certificate_path = str(test_pki.revoked_p12)
    agency.certificate_password_env = "SEGEL_DICABUT"
    agency.save()
    monkeypatch.setenv("SEGEL_DICABUT", pki.P12_PASSWORD)
    with pytest.raises(Exception, match="certificate could not be validated") as failure:
        pact_document_create(signature.pk)
    causes, error = [], failure.value
    while error is not None:
        causes.append(str(error))
        error = error.__cause__ or error.__context__
    assert any("revoked" in cause for cause in causes), causes
    assert not PactDocument.objects.exists()


def adesverify(path, root_pem):
    """pyHanko's own command line, as the README tells an auditor to check a pact."""
    command = [sys.executable, "-m", "pyhanko", "sign", "adesverify", "--trust", str(root_pem), "--trust-replace"]
    return subprocess.run([*command, "--executive-summary", str(path)], capture_output=True, text=True)


def test_a_pact_sealed_without_a_tsa_gets_a_first_archival_timestamp_that_validates(
    pki_agency, signature, settings, tsa, capsys, tmp_path
):
    settings.TSA_URL = ""  # sealed B-B, before the agency had its TSA
    document = pact_document_create(signature.pk)
    assert document.seal_level == PactDocument.SealLevel.B_B and document.timestamp_expires_at is None
    settings.TSA_URL = tsa.tsa_url
    call_command("add_archival_timestamps")
    assert "ditambahkan: 1, gagal: 0" in capsys.readouterr().out
    archived = read(ArchivalTimestamp.objects.get())
    assert archived.startswith(read(document))
    reader = PdfFileReader(io.BytesIO(archived))
    assert len(reader.embedded_timestamp_signatures) == 1 and "/DSS" in reader.root
    assert_pdfa_2u(archived)
    path = tmp_path / "pakta.pdf"
    path.write_bytes(archived)
    checked = adesverify(path, tsa.root_pem)
    assert checked.returncode == 0 and "VALID" in checked.stdout, checked.stdout + checked.stderr


def test_a_b_b_pact_without_revocation_data_is_never_reported_stamped(agency, signature, settings, tsa, capsys):
    """Sealed without a TSA by a certificate that names no OCSP or CRL (a development one,
    as with `make run`): no archival copy could ever pass `pyhanko sign adesverify`, so
    none is made, and the command says why — with status 1, not "ditambahkan: 1"."""
    settings.TSA_URL = ""
    document = pact_document_create(signature.pk)
    assert document.seal_level == PactDocument.SealLevel.B_B
    settings.TSA_URL = tsa.tsa_url
    settings.SIGNING_TRUST_ROOTS = [str(tsa.root_pem), str(settings.SIGNING_KEYS_DIR / "dev-root-ca.pem")]
    requests = len(tsa.app.requests)
    with pytest.raises(SystemExit) as failed:
        call_command("add_archival_timestamps")
    assert failed.value.code == 1
    out, err = capsys.readouterr()
    assert "ditambahkan: 0, gagal: 1" in out
    assert f"PDF pakta {document.signature.verification_code}: disegel tanpa TSA (B-B)" in err
    assert "tidak menyebut layanan OCSP atau CRL" in err and "tidak akan lolos validasi" in err
    assert not ArchivalTimestamp.objects.exists()
    assert not [path for path in tsa.app.requests[requests:] if "/tsa/tsa" in path and "tsa2" not in path][1:]


def test_a_changed_ca_is_explained_with_its_fix(sealed, test_pki, settings, capsys):
    """The agency's certificate now comes from another CA: the old pacts' chain no longer
    reaches a trusted root. The operator reads, in Indonesian, what to add where."""
    agency = sealed.signature.invitation.ceremony.agency
    agency.certificate_path = ""  # replaced by a certificate of another CA (here the development one)
    agency.certificate_password_env = ""
    agency.save()
    create_dev_certificate(agency)
    with pytest.raises(SystemExit):
        call_command("add_archival_timestamps")
    err = capsys.readouterr().err
    assert "rantai sertifikat tidak sampai ke akar yang dipercaya" in err and "Root CA Uji" in err
    assert "tambahkan sertifikat akar yang lama ke SIGNING_TRUST_ROOTS" in err
    assert "PathBuildingError" not in err and "no issuer" not in err
    assert not ArchivalTimestamp.objects.exists()
    # The fix the message names: the old root in SIGNING_TRUST_ROOTS.
    settings.SIGNING_TRUST_ROOTS = [str(test_pki.root_pem)]
    call_command("add_archival_timestamps")
    assert "ditambahkan: 1, gagal: 0" in capsys.readouterr().out


def test_without_a_tsa_the_command_says_so(db, settings):
    settings.TSA_URL = ""
    with pytest.raises(Exception, match="TSA_URL belum diatur"):
        call_command("add_archival_timestamps")
    assert seal.timestamper() is None
