"""Pacts sealed by BSrE stay provable: ``add_archival_timestamps`` makes them PAdES
B-LTA. A second stand-in (tests/bsre.py) seals like a BSrE whose certificates name
OCSP and CRL addresses — with the local PKI's seal certificate and through its TSA
(tests/pki.py) — since the shared stand-in's own certificates name none, and nothing
could prove them revoked or not years later."""

import io

import pytest
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed

from pledges.bsre import pipeline
from pledges.models import ArchivalTimestamp, PactDocument, sha256_hex
from tests import bsre, pki
from tests.pdfa import assert_pdfa_2u
from tests.pledges.test_bsre import set_up, signed, stored_documents, validate
from tests.pledges.test_long_term import adesverify, lta_validation, read, root_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def pki_standin(test_pki, tmp_path_factory):
    """A stand-in of its own (not the session's shared one): its seals are the local
    PKI's agency certificate, timestamped by the local PKI's TSA."""
    started = bsre.start(
        tmp_path_factory.mktemp("bsre-pki"),
        seal_p12=test_pki.agency_p12,
        seal_p12_password=pki.P12_PASSWORD,
        tsa_url=test_pki.tsa_url,
        tsa_username=pki.TSA_USER,
        tsa_password=pki.TSA_PASSWORD,
    )
    yield started
    started.close()


@pytest.fixture
def standin(pki_standin, tsa, settings):
    pki_standin.reset_config()
    settings.BSRE_URL = pki_standin.url
    settings.BSRE_USERNAME = pki_standin.username
    settings.BSRE_PASSWORD = pki_standin.password
    settings.BSRE_TRUST_ROOTS = [str(tsa.root_pem)]  # BSrE's root is the local PKI's
    settings.BSRE_BATCH = 4
    settings.BSRE_TIMEOUT = 10
    return pki_standin


def test_pacts_sealed_by_bsre_get_archival_timestamps_valid_under_pades_lta(ceremony, standin, test_pki, tmp_path):
    agency = ceremony.agency
    set_up(agency, standin)
    signed(ceremony, 2)
    assert pipeline.drain(agency).stored == 2
    documents = list(stored_documents(ceremony))
    originals = {}
    for document in documents:
        data = originals[document.pk] = read(document)
        status = validate(data, test_pki.root_pem)
        assert status.bottom_line and status.signing_cert.subject.native["common_name"] == "Segel Pemkot Bukittinggi"
        assert status.signing_cert.ocsp_urls and status.signing_cert.crl_distribution_points
        assert document.sealed_by == PactDocument.SealedBy.BSRE and document.seal_level == "B-T"
        assert document.timestamp_expires_at == test_pki.tsa_valid_until  # the local PKI's TSA, not the stand-in's

    out = io.StringIO()
    call_command("add_archival_timestamps", stdout=out)
    assert "ditambahkan: 2, gagal: 0" in out.getvalue()

    root = root_of(test_pki)
    for document in documents:
        stamp = ArchivalTimestamp.objects.get(document=document)
        original, archived = originals[document.pk], read(stamp)
        assert read(document) == original and document.sha256 == sha256_hex(original)  # the original untouched
        assert archived.startswith(original) and stamp.is_intact() and stamp.expires_at == test_pki.tsa_valid_until
        reader = PdfFileReader(io.BytesIO(archived))
        assert len(reader.embedded_timestamp_signatures) == 1 and "/DSS" in reader.root
        result = lta_validation(archived, root)
        assert result.ades_subindic == AdESPassed.OK
        assert result.oldest_evidence_record_timestamp == stamp.stamped_at
        assert lta_validation(original, root).ades_subindic != AdESPassed.OK  # B-T alone is not B-LTA
        assert_pdfa_2u(archived)

    # pyHanko's own command line, as the README tells an auditor to check a pact.
    path = tmp_path / "pakta.pdf"
    path.write_bytes(read(ArchivalTimestamp.objects.first()))
    checked = adesverify(path, test_pki.root_pem)
    assert checked.returncode == 0 and "VALID" in checked.stdout, checked.stdout + checked.stderr

    out = io.StringIO()
    call_command("add_archival_timestamps", stdout=out)  # nothing due until the TSA's certificate nears its end
    assert "ditambahkan: 0, gagal: 0" in out.getvalue() and ArchivalTimestamp.objects.count() == 2
