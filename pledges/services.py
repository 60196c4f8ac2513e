"""The signing workflow: one function, one transaction.

The view checks the request; :func:`signature_create` checks the ceremony's
signing window, freezes what the signer saw, stores the signature and queues its
PDF. Exactly one signature per invitation is decided by the database's unique
constraint, so two phones submitting at once both end on the same confirmation.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ceremonies.models import Ceremony
from netralitas.lib.text import strip_hidden
from pledges.models import Signature

USER_AGENT_LENGTH = 500


class SigningClosed(Exception):
    """The ceremony does not accept signatures now; ``state`` says why."""

    def __init__(self, state):
        super().__init__(state)
        self.state = state


def signature_create(*, invitation, image_png, method, ip_address=None, user_agent="", now=None):
    """Sign ``invitation`` with the cleaned PNG ``image_png``.

    Returns ``(signature, created)``: an invitation that is already signed returns
    its existing signature with ``created=False`` — a double submit is not an
    error. Raises :class:`SigningClosed` outside the signing window (also for an
    invitation already signed: the caller shows that signature). No SELECT before the
    INSERT: the unique constraint on the invitation decides, in one transaction.
    """
    ceremony = invitation.ceremony
    now = now or timezone.now()
    state = ceremony.signing_state(now)
    if state != Ceremony.SigningState.OPEN:
        raise SigningClosed(state)

    for _attempt in range(3):
        signature = Signature.for_invitation(
            invitation,
            image_png=image_png,
            method=method,
            signed_at=now,
            ip_address=ip_address,
            # The browser's own words, but nothing hidden: a NUL breaks PostgreSQL and a
            # direction override would make the trail print something else.
            user_agent=strip_hidden(user_agent or "")[:USER_AGENT_LENGTH],
        )
        try:
            with transaction.atomic():
                signature.save(force_insert=True)
                # With the database task backend the queued job commits or rolls
                # back together with the signature: no signature without its job.
                _queue_pdf(signature.pk)
            return signature, True
        except IntegrityError:
            # Either this invitation was signed a moment ago (the other phone won),
            # or — once in 2^50 — the verification code collided: then try again.
            existing = Signature.objects.filter(invitation=invitation).first()
            if existing is not None:
                return existing, False
    raise IntegrityError(_("Tanda tangan tidak dapat disimpan; coba lagi."))


def _queue_pdf(signature_pk):
    from pledges.tasks import render_signature_pdf

    render_signature_pdf.enqueue(signature_pk)
