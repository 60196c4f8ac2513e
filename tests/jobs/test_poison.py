"""A task that fails — even one whose error the database cannot store — fails alone:
the real ``db_worker`` that ran it records a clear message and goes on to render
the next signed PDF (issue 24: a UTF-16 roster killed three workers per upload)."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.storage import default_storage
from django_tasks_db.models import DBTaskResult
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from jobs.engine import start_job
from jobs.models import Job
from netralitas.lib.text import hidden_characters
from pledges.models import PactDocument
from pledges.pdf.certificates import trust_roots
from roster.imports import start_preview
from tests.conftest import wait_for
from tests.jobs.helpers import unsavable_crash, unsavable_error, unsavable_failure

pytestmark = pytest.mark.django_db(transaction=True)

# A header cell with a NUL byte: what Excel's "Unicode Text" looked like to the old reader.
NUL_HEADER = b"N\x00I\x00P,Na\x00ma\n198001012005011001,Budi\n"


def test_a_poisonous_job_fails_alone_and_the_same_worker_renders_the_next_pdf(workers, invitation, sign):
    worker = workers.start("worker-poisoned", max_attempts=1)
    agency = invitation.ceremony.agency
    roster = start_preview("pegawai.csv", NUL_HEADER, agency=agency, full_roster=False)
    error = start_job(kind=unsavable_error, title="Galat")
    crash = start_job(kind=unsavable_crash, title="Rusak")
    task = unsavable_failure.using(queue_name="default").enqueue()

    jobs = [roster, error, crash]
    finished = wait_for(lambda: Job.objects.filter(pk__in=[j.pk for j in jobs], status="failed").count() == 3, 60)
    assert finished and worker.poll() is None, "the worker exited"
    for job in Job.objects.filter(pk__in=[j.pk for j in jobs]):
        assert job.message and not hidden_characters(job.message), job.message
        assert job.attempts == 1
        assert "berhenti di tengah jalan" not in job.message  # not blamed on a lost worker
    assert "Kolom yang ada: N\ufffdI\ufffdP" in Job.objects.get(pk=roster.pk).message
    assert "Terjadi kesalahan yang tidak terduga" in Job.objects.get(pk=crash.pk).message
    failed = wait_for(lambda: DBTaskResult.objects.filter(pk=task.id, status="FAILED").first(), 30)
    assert failed.worker_ids == ["worker-poisoned"] and "ValueError: Kolom yang ada" in failed.traceback
    assert not hidden_characters(failed.traceback, multiline=True)

    signature = sign(invitation)  # queues its PDF for the same worker
    document = wait_for(lambda: PactDocument.objects.filter(signature=signature).first(), 60)
    assert worker.poll() is None
    pdf_task = DBTaskResult.objects.get(task_path="pledges.tasks.render_signature_pdf")
    assert pdf_task.worker_ids == ["worker-poisoned"]
    with default_storage.open(document.file.name, "rb") as handle:
        data = handle.read()
    (embedded,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    context = ValidationContext(trust_roots=trust_roots(agency))
    # A thread of its own: after a browser test Playwright leaves an event loop marked
    # running in this one, and pyHanko validates with asyncio.run().
    with ThreadPoolExecutor(max_workers=1) as executor:
        status = executor.submit(validate_pdf_signature, embedded, context).result()
    assert status.intact and status.valid and status.trusted
