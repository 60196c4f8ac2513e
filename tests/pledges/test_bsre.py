"""Sealing through BSrE (``pledges.bsre``) against the stand-in (tests/bsre.py), a real
process on loopback: setup, the pipeline, every stored file validated against the
stand-in's root, the rolling code, and each fault — never a pact lost, never two
documents for one signature, never a file stored that is not what was sent."""

import datetime
import io
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from audit.models import AuditEvent
from pledges.bsre import codes, pipeline
from pledges.bsre.status import bsre_status, queue
from pledges.models import BsreCode, BsreLease, PactDocument, Signature
from pledges.pdf.certificates import can_seal, certificate_status
from pledges.pdf.seal import token_facts
from tests.inspektorat.conftest import bulk_sign, invite
from tests.pdfa import assert_pdfa_2u
from tests.pledges.test_pdf import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def standin(bsre_standin, settings):
    bsre_standin.reset_config()
    settings.BSRE_URL = bsre_standin.url
    settings.BSRE_USERNAME = bsre_standin.username
    settings.BSRE_PASSWORD = bsre_standin.password
    settings.BSRE_TRUST_ROOTS = [str(bsre_standin.root_pem)]
    settings.BSRE_BATCH = 4
    settings.BSRE_CONCURRENCY = 3
    settings.BSRE_TIMEOUT = 5
    yield bsre_standin
    bsre_standin.reset_config()


@pytest.fixture
def no_backoff(monkeypatch):
    """Failed batches are free again at once, so a test needs no minutes of waiting."""
    monkeypatch.setattr(pipeline, "BACKOFF", (0, 0, 0, 0))


def set_up(agency, standin, *, lifetime=300):
    subscriber = f"sub-{uuid.uuid4().hex[:10]}"
    first = standin.subscriber(subscriber, lifetime=lifetime)
    call_command("bsre_setup", str(agency.pk), "--subscriber", subscriber, "--totp", first)
    agency.refresh_from_db()
    return first


def signed(ceremony, count):
    return bulk_sign(invite(ceremony, count))


def validate(data, root_pem):
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_regular_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(root_pem))])
    return validate_pdf_signature(signature, context)


def stored_documents(ceremony):
    return PactDocument.objects.filter(signature__invitation__ceremony=ceremony)


def drain_until_done(agency, ceremony, rounds=30):
    for _ in range(rounds):
        pipeline.drain(agency)
        if not Signature.objects.filter(invitation__ceremony=ceremony, document__isnull=True).exists():
            return
    raise AssertionError("pacts still without a PDF")


def test_setup_switches_the_agency_and_keeps_the_code_encrypted(ceremony, standin, capsys):
    agency = ceremony.agency
    first = set_up(agency, standin)
    out = capsys.readouterr().out
    assert agency.seals_through_bsre and agency.bsre_subscriber.startswith("sub-")
    assert first not in out and "Siap: pakta disegel melalui BSrE" in out
    row = BsreCode.objects.get(pk=agency.pk)
    assert row.refreshes == 1 and row.version == 2  # the first code was exchanged at once
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_code FROM pledges_bsrecode WHERE agency_id = %s", [agency.pk])
        (stored,) = cursor.fetchone()
    code, version = codes.current(agency)
    assert version == 2 and code != first and code not in stored and first not in stored
    status = certificate_status(agency)
    assert status.usable and "BSrE" in status.reason
    assert can_seal(agency)
    event = AuditEvent.objects.get(object_type="agency", object_id=str(agency.pk))
    assert agency.bsre_subscriber in event.description and code not in event.description


def test_setup_refuses_an_unknown_agency_a_hidden_character_and_no_code(agency, standin):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="tidak ada"):
        call_command("bsre_setup", "999999", "--subscriber", "x", "--totp", "123456")
    with pytest.raises(CommandError, match="tersembunyi"):
        call_command("bsre_setup", str(agency.pk), "--subscriber", "sub\u202e1", "--totp", "123456")
    with pytest.raises(CommandError, match="Kode sekali pakai"):
        call_command("bsre_setup", str(agency.pk), "--subscriber", "sub-1", "--totp", " ")
    agency.refresh_from_db()
    assert not agency.seals_through_bsre and not BsreCode.objects.exists()


def test_pacts_are_sealed_through_bsre_in_batches_and_validate_against_its_root(ceremony, standin, caplog):
    import logging

    agency = ceremony.agency
    first = set_up(agency, standin)
    standin.reset_stats()
    signatures = signed(ceremony, 10)
    with caplog.at_level(logging.DEBUG):
        assert pipeline.drain(agency).stored == 10
        code, _version = codes.current(agency)
    assert caplog.records and code not in caplog.text and first not in caplog.text  # not even at DEBUG
    documents = list(stored_documents(ceremony).select_related("signature"))
    assert len(documents) == 10
    assert standin.stats()["seal_calls"] == 3  # 4 + 4 + 2
    for document in documents:
        data = document.file.read()
        document.file.close()
        status = validate(data, standin.root_pem)
        assert status.bottom_line and status.timestamp_validity is not None
        assert document.sealed_by == PactDocument.SealedBy.BSRE
        assert document.seal_level == "B-T" and document.pdfa and document.timestamp_expires_at
        assert_pdfa_2u(data)
        text = " ".join(pdf_text(data).split())
        assert document.signature.signer["name"] in text and document.signature.display_code in text
    assert not BsreLease.objects.exists()
    assert {s.pk for s in signatures} == {d.signature_id for d in documents}


def test_a_code_another_worker_replaced_is_read_not_refreshed_again(ceremony, standin):
    agency = ceremony.agency
    set_up(agency, standin)
    _code, version = codes.current(agency)
    standin.reset_stats()
    newer, newer_version = codes.refresh(agency, version)  # "another worker"
    again, again_version = codes.refresh(agency, version)  # a worker still holding the old one
    assert (again, again_version) == (newer, newer_version) == (newer, version + 1)
    assert standin.stats()["totp_refreshes"] == 1


def test_one_refresher_at_a_time(ceremony, standin):
    agency = ceremony.agency
    set_up(agency, standin)
    _code, version = codes.current(agency)
    standin.configure(latency=0.5)
    standin.reset_stats()
    results = []

    def refresher():
        try:
            results.append(codes.refresh(agency, version))
        finally:
            connection.close()

    threads = [threading.Thread(target=refresher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 3
    assert standin.stats()["totp_refreshes"] == 1


def test_a_due_code_is_refreshed_before_sealing_and_kept_alive(ceremony, standin, settings):
    agency = ceremony.agency
    set_up(agency, standin, lifetime=30)  # less than BSRE_REFRESH_BEFORE (60 s): always due
    standin.reset_stats()
    assert codes.keep_alive(agency)
    assert standin.stats()["totp_refreshes"] == 1
    signed(ceremony, 2)
    pipeline.drain(agency)
    assert stored_documents(ceremony).count() == 2
    assert standin.stats()["totp_refreshes"] >= 2


def test_an_expired_chain_stops_sealing_keeps_the_queue_and_resumes_after_setup(ceremony, standin, settings):
    agency = ceremony.agency
    set_up(agency, standin, lifetime=1)
    import time

    time.sleep(1.5)  # the code BSrE gave expired unused: the chain is broken
    signed(ceremony, 5)
    assert pipeline.drain(agency).stored == 0
    assert stored_documents(ceremony).count() == 0
    assert BsreCode.objects.get(pk=agency.pk).problem == BsreCode.Problem.CHAIN
    status = certificate_status(agency)
    assert not status.usable and "bsre_setup" in status.reason
    set_up(agency, standin)  # a new first code from BSrE
    assert pipeline.drain(agency).stored == 5
    assert certificate_status(agency).usable


@pytest.mark.parametrize("offset", [600, -600])
def test_a_bsre_clock_ten_minutes_off_changes_neither_the_code_expiry_nor_the_seal(ceremony, standin, offset):
    """BSrE's clock is ten minutes off ours: its ``expires`` is read against its own
    ``Date``, so the code lasts on our clock what BSrE gave it — neither refreshed at
    every seal (behind) nor kept past its end (ahead). Its seal's time and timestamp,
    ten minutes off too, are accepted all the same."""
    standin.configure(clock_offset=offset)
    agency = ceremony.agency
    lifetime, slack = datetime.timedelta(seconds=300), datetime.timedelta(seconds=3)
    before = timezone.now()
    set_up(agency, standin, lifetime=300)
    after = timezone.now()
    expires = BsreCode.objects.get(pk=agency.pk).expires_at
    assert before + lifetime - slack <= expires <= after + lifetime + slack, (expires - after, offset)

    standin.reset_stats()
    signed(ceremony, 2)
    assert pipeline.drain(agency).stored == 2
    assert standin.stats()["totp_refreshes"] == 0  # the code was not taken for due
    for document in stored_documents(ceremony):
        with document.file.open("rb") as handle:
            data = handle.read()
        status = validate(data, standin.root_pem)
        assert status.bottom_line and document.sealed_by == PactDocument.SealedBy.BSRE
        (signature,) = PdfFileReader(io.BytesIO(data)).embedded_regular_signatures
        token = find_unique_cms_attribute(signature.signer_info["unsigned_attrs"], "signature_time_stamp_token")
        stamped_at = token_facts(token["content"])[0]
        assert abs((stamped_at - timezone.now()).total_seconds() - offset) < 60


def test_a_refusal_quoting_the_code_and_the_password_keeps_both_out_of_the_record_and_the_log(
    ceremony, standin, settings, caplog
):
    import logging

    agency = ceremony.agency
    set_up(agency, standin)
    signed(ceremony, 3)
    code, _version = codes.current(agency)
    password = settings.BSRE_PASSWORD
    standin.configure(refuse=f"Ditolak: kode {{totp}} dan sandi {password} tidak berlaku untuk berkas ini")
    with caplog.at_level(logging.DEBUG):
        assert pipeline.drain(agency).stored == 0
    assert standin.stats()["answered_400"] >= 1
    leases = list(BsreLease.objects.filter(signature__invitation__ceremony=ceremony))
    assert len(leases) == 3
    for lease in leases:
        assert lease.failures >= 1
        assert "BSrE menolak permintaan (HTTP 400): Ditolak: kode ••• dan sandi ••• tidak berlaku" in lease.problem
        assert code not in lease.problem and password not in lease.problem
    assert "Ditolak: kode ••• dan sandi •••" in caplog.text
    assert code not in caplog.text and password not in caplog.text
    assert not stored_documents(ceremony).exists()


def test_refused_credentials_stop_sealing_until_they_work_again(ceremony, standin, settings, client):
    from django.urls import reverse

    from pledges.tasks import bsre_keep_alive
    from roster.models import StaffProfile
    from tests import factories

    agency = ceremony.agency
    set_up(agency, standin)
    signed(ceremony, 6)
    standin.configure(auth_fail=True)
    assert pipeline.drain(agency).stored == 0
    assert BsreCode.objects.get(pk=agency.pk).problem == BsreCode.Problem.AUTH
    assert "BSRE_PASSWORD" in bsre_status(agency).reason
    assert queue(ceremony) == (6, 0) and stored_documents(ceremony).count() == 0
    # The operator is told on the apel's readiness panel and on the live board.
    client.force_login(factories.user("setda", role=StaffProfile.Role.OPERATOR, agency=agency))
    standin.reset_stats()
    detail = " ".join(client.get(reverse("ceremonies:detail", args=[ceremony.pk])).content.decode().split())
    assert "Segel elektronik BSrE:" in detail and "BSRE_PASSWORD" in detail
    assert "6 pakta menunggu segel BSrE" in detail
    board = " ".join(client.get(reverse("ceremonies:board_data", args=[ceremony.pk])).content.decode().split())
    assert "BSRE_PASSWORD" in board and "6 pakta menunggu segel BSrE" in board
    assert standin.stats()["api_calls"] == 0  # pages read what the workers recorded
    standin.configure(auth_fail=False)
    assert bsre_keep_alive.call(agency.pk)  # the keep-alive's probe finds BSrE answering again
    assert BsreCode.objects.get(pk=agency.pk).problem == ""
    drain_until_done(agency, ceremony)
    assert stored_documents(ceremony).count() == 6


def test_errors_and_timeouts_after_sealing_end_with_exactly_one_valid_document_each(
    ceremony, standin, no_backoff, settings
):
    agency = ceremony.agency
    set_up(agency, standin)
    settings.BSRE_TIMEOUT = 1
    standin.configure(fail_rate=0.3, timeout_after_seal_rate=0.2, hang=2, seed=7)
    signed(ceremony, 16)
    standin.reset_stats()
    drain_until_done(agency, ceremony, rounds=60)
    stats = standin.stats()
    assert stats["answered_500"] > 0 and stats["timeouts_after_seal"] > 0
    assert stats["files_sealed"] > 16  # some were sealed twice by BSrE …
    documents = stored_documents(ceremony)
    assert documents.count() == 16  # … and stored once
    for document in documents:
        with document.file.open("rb") as handle:
            assert validate(handle.read(), standin.root_pem).bottom_line


def test_a_refresh_answered_500_seals_on_with_the_still_valid_code(ceremony, standin):
    """The code is due again before a batch is sent and BSrE answers that refresh with a
    500: the code has not expired, so the batch goes with it — no outage noted, nothing
    waits — and the next look refreshes it."""
    import random

    agency = ceremony.agency
    set_up(agency, standin, lifetime=30)  # less than BSRE_REFRESH_BEFORE: due at every look
    signed(ceremony, 4)  # one batch: the calls are the start's refresh, the batch's refresh, the batch

    # The stand-in draws three numbers per call (500, 503, hang): a seed whose first call is
    # answered, whose second gets the 500, and whose third is answered.
    def draws(seed):
        numbers = random.Random(seed)
        return [numbers.random() for _ in range(9)]

    seed = next(seed for seed in range(1000) if draws(seed)[0] >= 0.5 > draws(seed)[3] and draws(seed)[6] >= 0.5)
    standin.configure(fail_rate=0.5, seed=seed)
    standin.reset_stats()
    drained = pipeline.drain(agency)
    assert drained.stopped is None and drained.stored == 4
    assert standin.stats()["totp_refreshes"] == 1 and standin.stats()["answered_500"] == 1
    assert BsreCode.objects.get(pk=agency.pk).problem == ""
    assert queue(ceremony) == (0, 0)


@pytest.mark.parametrize("fault", ["different", "wrong_signer", "truncated", "no_timestamp"])
def test_an_answer_that_is_not_what_was_sent_is_never_stored(ceremony, standin, no_backoff, fault):
    agency = ceremony.agency
    set_up(agency, standin)
    signed(ceremony, 2)
    standin.configure(corrupt=fault, corrupt_calls=100)
    pipeline.drain(agency)
    assert stored_documents(ceremony).count() == 0
    leases = list(BsreLease.objects.all())
    assert leases and all(lease.failures >= 1 and lease.problem for lease in leases)
    for _ in range(pipeline.MAX_FAILURES):
        pipeline.drain(agency)
    assert stored_documents(ceremony).count() == 0
    assert queue(ceremony) == (0, 2)  # given up: the operator's to look at
    standin.configure(corrupt=None)
    call_command("render_missing_pdfs")  # the operator tries again
    assert stored_documents(ceremony).count() == 2
    for document in stored_documents(ceremony):
        with document.file.open("rb") as handle:
            assert validate(handle.read(), standin.root_pem).bottom_line


def test_a_seal_that_breaks_pdfa_is_stored_and_says_so(ceremony, standin):
    agency = ceremony.agency
    set_up(agency, standin)
    signed(ceremony, 1)
    standin.configure(corrupt="pdf2", corrupt_calls=1)
    pipeline.drain(agency)
    (document,) = stored_documents(ceremony)
    assert not document.pdfa and document.sealed_by == PactDocument.SealedBy.BSRE


def test_bsre_is_not_called_from_a_web_request(ceremony, standin, client, django_user_model):
    """The readiness panel reads what the workers recorded; with BSrE down, the page
    still answers at once and says so."""
    agency = ceremony.agency
    set_up(agency, standin)
    standin.configure(outage=True)
    standin.reset_stats()
    status = certificate_status(agency)
    assert status.usable
    assert standin.stats()["api_calls"] == 0


def test_signing_through_real_workers_seals_every_pact_once(ceremony, standin, workers, sign, settings):
    from tests.conftest import wait_for

    agency = ceremony.agency
    set_up(agency, standin)
    environment = {
        "BSRE_URL": standin.url,
        "BSRE_USERNAME": standin.username,
        "BSRE_PASSWORD": standin.password,
        "BSRE_TRUST_ROOTS": str(standin.root_pem),
        "BSRE_BATCH": "3",
        "BSRE_CONCURRENCY": "2",
    }
    workers.storage_env = {**workers.storage_env, **environment}
    invitations = invite(ceremony, 12)
    for invitation in invitations:
        sign(invitation)  # the signing service: the signature and its task, as a POST stores them
    workers.start("w1")
    workers.start("w2")
    wait_for(lambda: stored_documents(ceremony).count() == 12, timeout=120)
    assert set(stored_documents(ceremony).values_list("sealed_by", flat=True)) == {"bsre"}


def test_the_admin_sets_up_bsre_with_a_first_code_it_never_shows_again(admin_client, agency, standin):
    from django.urls import reverse

    url = reverse("admin:roster_agency_change", args=[agency.pk])
    page = admin_client.get(url).content.decode()
    form = {
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "place_name": agency.place_name,
        "time_zone": agency.time_zone,
        "units-TOTAL_FORMS": "0",
        "units-INITIAL_FORMS": "0",
        "seal_service": "bsre",
        "bsre_subscriber": "",
    }
    refused = admin_client.post(url, form)
    assert refused.status_code == 200 and "memerlukan ID subscriber" in refused.content.decode()
    first = standin.subscriber("sub-admin", lifetime=300)
    response = admin_client.post(url, {**form, "bsre_subscriber": "sub-admin", "bsre_first_code": first})
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.seals_through_bsre
    assert codes.current(agency)[1] == 2  # due at once: exchanged for the next code from BSrE
    page = admin_client.get(url).content.decode()
    assert first not in page and "Kode sekali pakai pertama dari BSrE" in page
    assert first not in admin_client.get(reverse("admin:pledges_bsrecode_changelist")).content.decode()
    assert first not in " ".join(AuditEvent.objects.values_list("description", flat=True))


def test_after_an_outage_the_backlog_drains_oldest_first(ceremony, standin, no_backoff, settings):
    from django.utils import timezone

    from pledges.tasks import drain_and_schedule

    agency = ceremony.agency
    set_up(agency, standin)
    signatures = signed(ceremony, 9)
    standin.configure(outage=True)
    assert drain_and_schedule(agency) == 0
    row = BsreCode.objects.get(pk=agency.pk)
    assert row.problem == BsreCode.Problem.UNREACHABLE and "tidak menjawab" in bsre_status(agency).reason
    assert row.drain_at > timezone.now()  # the next drain waits a backoff, not at once
    assert queue(ceremony) == (9, 0)
    standin.configure(outage=False)
    settings.BSRE_CONCURRENCY = 1  # one call at a time: the order stored is the order claimed
    assert pipeline.drain(agency).stored == 9
    stored_order = list(stored_documents(ceremony).order_by("pk").values_list("signature_id", flat=True))
    assert stored_order == [s.pk for s in sorted(signatures, key=lambda s: (s.signed_at, s.pk))]
    assert BsreCode.objects.get(pk=agency.pk).problem == ""


def test_a_code_replaced_while_a_batch_was_on_its_way_is_no_broken_chain(ceremony, standin, settings):
    """Another worker refreshed the code while this worker's batch was on its way with the
    old one, and again while it went the second time: each time BSrE refuses the batch, it
    goes again with the newest code, and the chain is fine (no refresh of a dead code)."""
    import time

    agency = ceremony.agency
    set_up(agency, standin)
    signed(ceremony, 3)
    settings.BSRE_BATCH, settings.BSRE_CONCURRENCY = 3, 1
    standin.configure(latency=1.5)  # BSrE looks at a code when its call's time is up
    standin.reset_stats()
    _code, version = codes.current(agency)
    results = []

    def in_a_thread(work):
        def run():
            try:
                results.append(work())
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def refresh_twice():
        return codes.refresh(agency, codes.refresh(agency, version)[1])[1]

    other_worker = in_a_thread(refresh_twice)
    time.sleep(0.4)  # its refresh is with BSrE; this worker still reads the old code
    this_worker = in_a_thread(lambda: pipeline.drain(agency).stored)
    other_worker.join(timeout=30)
    this_worker.join(timeout=60)
    assert sorted(results) == [3, version + 2]
    stats = standin.stats()
    # Refused once or twice (how the calls interleave depends on the machine's load), and
    # never refreshed by this worker: a refusal of a replaced code is no broken chain.
    assert stats["codes_rejected"] >= 1 and stats["totp_refreshes"] == 2
    assert BsreCode.objects.get(pk=agency.pk).problem == ""
    assert stored_documents(ceremony).count() == 3
