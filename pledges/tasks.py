"""Background work: rendering the signed PDF of each signature.

Run by ``manage.py db_worker`` (django-tasks-db). A failed render is retried
with a growing delay; ``manage.py render_missing_pdfs`` catches anything that
still slipped through. An agency that seals through BSrE has its pacts sealed in
batches by a drain (``pledges.bsre.pipeline``): a signature's task runs one, and
the rolling code is kept alive by ``bsre_keep_alive``.
"""

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from pledges.bsre import codes, pipeline
from pledges.documents import SealedThroughBsre, pact_document_create
from roster.models import Agency

logger = logging.getLogger(__name__)

RETRY_DELAYS = (10, 60, 300, 1800)  # seconds
KEEP_ALIVE_PRIORITY = 50  # before the queue of pacts: a code that expires breaks the chain


@task()
def render_signature_pdf(signature_id, attempt=1):
    try:
        document = pact_document_create(signature_id)
    except SealedThroughBsre as sealed:
        return drain_and_schedule(sealed.agency)
    except Exception:
        if attempt <= len(RETRY_DELAYS) and render_signature_pdf.get_backend().supports_defer:
            delay = RETRY_DELAYS[attempt - 1]
            logger.exception("PDF of signature %s failed (attempt %s); retrying in %ss", signature_id, attempt, delay)
            render_signature_pdf.using(run_after=timezone.now() + datetime.timedelta(seconds=delay)).enqueue(
                signature_id, attempt=attempt + 1
            )
        else:
            logger.exception(
                "PDF of signature %s failed %s times; render_missing_pdfs will retry", signature_id, attempt
            )
        raise
    return document.sha256


@task()
def seal_with_bsre(agency_id):
    """A drain of the agency's waiting pacts through BSrE (queued by an earlier one)."""
    agency = Agency.objects.filter(pk=agency_id, seal_service=Agency.SealService.BSRE).first()
    return drain_and_schedule(agency) if agency else 0


def drain_and_schedule(agency):
    """One drain of the agency's waiting pacts; then the next one queued for when
    something will be free to claim (later while BSrE is down). How many were stored."""
    drained = pipeline.drain(agency)
    schedule_drain(agency, later=drained.stopped is not None)
    return drained.stored


def schedule_drain(agency, *, later=False):
    """Queue one drain for when ``pipeline.next_drain`` says, unless one is queued by then."""
    when = pipeline.next_drain(agency, later=later)
    if when is None or not pipeline.claim_drain(agency, when):
        return None
    deferred = seal_with_bsre.get_backend().supports_defer and when > timezone.now()
    (seal_with_bsre.using(run_after=when) if deferred else seal_with_bsre).enqueue(agency.pk)
    return when


@task(priority=KEEP_ALIVE_PRIORITY)
def bsre_keep_alive(agency_id):
    """Refresh the agency's BSrE code when due (or probe BSrE while it refuses or is
    silent), queue the next look, and start a drain when BSrE can seal again."""
    agency = Agency.objects.filter(pk=agency_id, seal_service=Agency.SealService.BSRE).first()
    if agency is None:
        return False
    usable = codes.keep_alive(agency)
    schedule_keep_alive(agency_id)
    if usable:
        schedule_drain(agency)
    return usable


def schedule_keep_alive(agency_id):
    """Queue the agency's next keep-alive unless one is queued for then already."""
    when = codes.next_keep_alive(agency_id)
    if when is None or not codes.claim_keep_alive(agency_id, when):
        return None
    deferred = bsre_keep_alive.get_backend().supports_defer and when > timezone.now()
    (bsre_keep_alive.using(run_after=when) if deferred else bsre_keep_alive).enqueue(agency_id)
    return when
