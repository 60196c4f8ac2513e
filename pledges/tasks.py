"""Background work: rendering the signed PDF of each signature.

Run by ``manage.py db_worker`` (django-tasks-db). A failed render is retried
with a growing delay; ``manage.py render_missing_pdfs`` catches anything that
still slipped through.
"""

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from pledges.documents import pact_document_create

logger = logging.getLogger(__name__)

RETRY_DELAYS = (10, 60, 300, 1800)  # seconds


@task()
def render_signature_pdf(signature_id, attempt=1):
    try:
        document = pact_document_create(signature_id)
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
