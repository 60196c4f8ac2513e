"""The signing workflow: one function, one transaction.

The view checks the request; :func:`signature_create` checks the ceremony's
signing window, freezes what the signer saw, stores the signature and queues its
PDF. Exactly one signature per invitation is decided by the database's unique
constraint, so two phones submitting at once both end on the same confirmation.

On PostgreSQL with the database task backend (production), the signature and its
PDF task are one ``INSERT … WITH`` statement (``netralitas.lib.tasks_db_pinned``, a
shortcut that pays its way at an apel's burst); elsewhere the ORM saves both in one
transaction.
"""

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ceremonies.models import Ceremony
from netralitas.lib import events
from netralitas.lib.tasks_db_pinned import InsertAndEnqueue
from netralitas.lib.text import strip_hidden
from pledges import pact_text
from pledges.models import Signature

USER_AGENT_LENGTH = 500


class SigningClosed(Exception):
    """The ceremony does not accept signatures now; ``state`` says why."""

    def __init__(self, state):
        super().__init__(state)
        self.state = state


class SubmissionConflict(Exception):
    """The device's submission id is already another invitation's signature: the same
    id may only repeat the same submission (answered 409)."""


class TextChanged(Exception):
    """The text the signer was shown can no longer be signed as shown (the agency or
    their unit was renamed, the apel's pact version or election changed, a new text
    format came): nothing is signed, and the signer is shown the text as it is now."""


def signature_create(
    *,
    invitation,
    shown,
    image_png,
    method,
    ip_address=None,
    user_agent="",
    now=None,
    submission_id=None,
    claimed_at=None,
    kiosk_name="",
):
    """Sign ``invitation`` with the cleaned PNG ``image_png``, sealing exactly the text the
    signer was shown: ``shown`` is ``(text format, SHA-256 of the text)`` as the signing
    page sent them (``pact_text.Draft``).

    Returns ``(signature, created)``: an invitation that is already signed returns
    its existing signature with ``created=False`` — a double submit is not an
    error. Raises :class:`SigningClosed` outside the signing window (also for an
    invitation already signed: the caller shows that signature) and
    :class:`TextChanged` when the shown text can no longer be signed. No SELECT before
    the INSERT: the unique constraint on the invitation decides.
    """
    ceremony = invitation.ceremony
    now = now or timezone.now()
    state = ceremony.signing_state(now)
    late = state != Ceremony.SigningState.OPEN
    if late and not ceremony.accepts_late(now, claimed_at):
        raise SigningClosed(state)
    draft = pact_text.draft_as_shown(invitation, *shown)
    if draft is None:
        raise TextChanged()

    for _attempt in range(3):
        signature = Signature.from_draft(
            invitation,
            draft,
            image_png=image_png,
            method=method,
            signed_at=now,
            ip_address=ip_address,
            # The browser's own words, but nothing hidden: a NUL breaks PostgreSQL and a
            # direction override would make the trail print something else.
            user_agent=strip_hidden(user_agent or "")[:USER_AGENT_LENGTH],
            submission_id=submission_id,
            claimed_at=claimed_at,
            arrived_late=late,
            kiosk_name=kiosk_name,
        )
        try:
            _store(signature)
            return signature, True
        except IntegrityError as refused:
            # Either this invitation was signed a moment ago (the other phone won, or
            # this very submission arrived before), or — once in 2^50 — the
            # verification code collided: then try again.
            existing = Signature.objects.filter(invitation=invitation).first()
            if existing is not None:
                return existing, False
            if submission_id is not None and Signature.objects.filter(submission_id=submission_id).exists():
                raise SubmissionConflict() from refused
    raise IntegrityError(_("Tanda tangan tidak dapat disimpan; coba lagi."))


def _store(signature):
    """INSERT ``signature`` and queue its PDF, both or neither: with the database task
    backend the queued task commits or rolls back together with the signature (on
    PostgreSQL in one statement, ``netralitas.lib.tasks_db_pinned``)."""
    global _sign_and_queue
    if _sign_and_queue is None:
        from pledges.tasks import render_signature_pdf

        _sign_and_queue = InsertAndEnqueue(Signature, render_signature_pdf)
    outbox = events.outbox_row(  # in memory: None, and no query, when the agency has no webhook for it
        events.SIGNATURE_CREATED,
        signature.invitation.ceremony.agency_id,
        "signature",
        ceremony=signature.invitation.ceremony_id,
        invitation=signature.invitation_id,
        signed_at=signature.signed_at.isoformat(),
        method=signature.method,
    )
    if outbox is None:
        _sign_and_queue.save(signature)
        return
    # The webhooks' outbox row rides in the same statement (or transaction), the new id put into it.
    row, link = outbox
    _sign_and_queue.save(signature, companion=row, link=link)
    events.stored(row)


_sign_and_queue = None
