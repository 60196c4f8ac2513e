"""The worker's drain of an agency's pacts through BSrE.

One drain per worker at a time per agency (any number of workers, on any machine):
it claims the oldest signatures without a PDF (a lease per signature, ``BsreLease``,
taken by conditional statements so that two drains never hold the same one), renders
their PDFs in this thread while up to ``BSRE_CONCURRENCY`` calls of ``BSRE_BATCH``
files each wait on BSrE in a small thread pool — BSrE's second per call is hidden
behind our rendering — and checks and stores each answer here. The database is
touched only from this thread.

What goes wrong, and what happens (issue #25's rules):

* the code is refused → one refresh (or the code another worker refreshed), then the
  same batch again; refused again → the chain is broken: stop, keep the queue;
* 401/403 → stop sealing for the agency, keep the queue; the keep-alive probes BSrE
  and starts a drain when it answers again;
* 5xx, a refused connection, no answer (the outcome unknown) → the batch waits a
  backoff and goes again, the same bytes if still here; after a few in a row the
  drain stops and a later one resumes, oldest first;
* an answer that fails :mod:`pledges.bsre.checks` → never stored, logged, tried again
  up to ``MAX_FAILURES`` times, then left for the operator (the apel page counts it).

Exactly one document per signature: ``pact_document_store`` keeps the first stored.
"""

import datetime
import logging
import secrets
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from pledges.bsre import checks, client, codes
from pledges.documents import pact_document_store
from pledges.models import BsreCode, BsreLease, PactDocument, Signature
from pledges.pdf.pact import build_unsealed_pdf, pact_title

logger = logging.getLogger(__name__)

MAX_FAILURES = 3  # answers that failed the checks, per signature
CODE_RETRIES = 3  # sends of one batch again after its code was refused (each time with the newest code)
TRANSIENT_IN_A_ROW = 3  # failed calls in a row that stop a drain (an outage)
BACKOFF = (5, 15, 60, 300)  # seconds a batch waits after a failed call, by failures in a row
OUTAGE_RETRY = (5, 300)  # seconds until the next drain after an outage stopped one: half the outage, within these


def waiting(agency, after=0):
    """Signatures of ``agency`` without a PDF that no drain holds and nobody gave up on,
    oldest (first stored) first; only those after the key ``after``."""
    now = timezone.now()
    return (
        Signature.objects.filter(invitation__ceremony__agency=agency, document__isnull=True, pk__gt=after)
        .exclude(bsre_lease__until__gt=now)
        .exclude(bsre_lease__gave_up_at__isnull=False)
        .order_by("pk")
    )


def claim(agency, size, after=0):
    """Lease up to ``size`` of the oldest waiting signatures after the key ``after`` to
    this caller; the signatures, loaded for rendering, oldest first. A drain passes the
    last key it claimed, so that each claim reads on from there along the primary key
    instead of past every pact sealed since the apel began."""
    now = timezone.now()
    until = now + datetime.timedelta(seconds=settings.BSRE_TIMEOUT + 120)
    holder = secrets.token_hex(8)
    keys = list(waiting(agency, after).values_list("pk", flat=True)[:size])
    if not keys:
        return []
    # New leases for signatures that never had one, expired ones taken over: each row
    # ends up with one holder whoever else is claiming at the same time.
    BsreLease.objects.bulk_create(
        [BsreLease(signature_id=key, holder=holder, until=until) for key in keys], ignore_conflicts=True
    )
    BsreLease.objects.filter(signature_id__in=keys, until__lte=now, gave_up_at__isnull=True).update(
        holder=holder, until=until
    )
    mine = BsreLease.objects.filter(signature_id__in=keys, holder=holder).values("signature_id")
    return list(
        Signature.objects.select_related("invitation__ceremony__agency", "document")
        .filter(pk__in=mine, document__isnull=True)
        .order_by("pk")
    )


def _properties(agency, signature):
    return {
        "tampilan": "INVISIBLE",
        "location": agency.place_name,
        "reason": pact_title(signature),
        "contactInfo": agency.privacy_email or "",
    }


def _send(subscriber, code, files, properties):
    """One call, in a pool thread: the answer, or the exception it ended with."""
    try:
        return client.seal(subscriber, code, files, properties), None
    except client.BsreError as error:
        return None, error


class Drain:
    """One run of the drain for one agency (see the module's docstring)."""

    def __init__(self, agency):
        self.agency = agency
        self.stored = 0
        self.in_a_row = 0
        self.stopped = None  # why no more batches are started
        self.after = 0  # the last key claimed: claims read on from there

    def run(self):
        try:
            code, version = codes.current(self.agency)
        except client.BsreError as problem:  # no code, a broken chain, BSrE silent or refusing
            logger.warning("BSrE seal of %s waits: %s", self.agency, problem)
            self.stopped = problem
            return self
        self.code, self.version = code, version
        with ThreadPoolExecutor(max_workers=settings.BSRE_CONCURRENCY, thread_name_prefix="bsre") as pool:
            self.pool, flights = pool, {}
            while True:
                while self.stopped is None and len(flights) < settings.BSRE_CONCURRENCY:
                    claimed = claim(self.agency, settings.BSRE_BATCH, self.after)
                    if not claimed:
                        break
                    # What this drain releases behind it (a failed call) is the next drain's.
                    self.after = claimed[-1].pk
                    batch = self._rendered(claimed)
                    if not batch:
                        continue
                    self._submit(flights, batch, tries=0)
                if not flights:
                    break
                done, _ = wait(flights, return_when=FIRST_COMPLETED)
                for future in done:
                    batch, tries, version = flights.pop(future)
                    again = self._handle(batch, tries, version, *future.result())
                    if again is not None:
                        self._submit(flights, again, tries=tries + 1)
        return self

    def _rendered(self, signatures):
        batch = []
        for signature in signatures:
            try:
                batch.append((signature, build_unsealed_pdf(signature)))
            except Exception as error:  # a render bug must not stop the others' seals
                logger.exception("PDF of signature %s could not be rendered for BSrE", signature.pk)
                _failed(signature.pk, f"gagal dibuat: {type(error).__name__}")
        return batch

    def _submit(self, flights, batch, *, tries):
        # A long drain outlives a code: take the current one (refreshed when due) each time.
        try:
            self.code, self.version = codes.current(self.agency)
        except client.BsreError as problem:  # the refresh met a broken chain, refused credentials, silence
            self._stop([signature.pk for signature, _data in batch], problem)
            return
        future = self.pool.submit(
            _send,
            self.agency.bsre_subscriber,
            self.code,
            [data for _signature, data in batch],
            [_properties(self.agency, signature) for signature, _data in batch],
        )
        flights[future] = (batch, tries, self.version)

    def _handle(self, batch, tries, version, returned, error):
        """Check and store an answer, or decide what its failure means; a batch to send
        again at once (after a refreshed code), or ``None``."""
        if error is None:
            self.in_a_row = 0
            codes.note_answered(self.agency)
            self._store(batch, returned)
            return None
        keys = [signature.pk for signature, _data in batch]
        if isinstance(error, client.CodeRejected):
            # The code this batch went with was replaced meanwhile (another worker's refresh),
            # or has just expired: the newest one — refreshed now by this worker if nobody
            # did. Only BSrE refusing that refresh breaks the chain (``codes.refresh`` notes it).
            if tries >= CODE_RETRIES:
                _release(keys, BACKOFF[0], str(error))
                return None
            try:
                codes.refresh(self.agency, version)
            except client.Transient as problem:
                _release(keys, BACKOFF[0], str(problem))
                return None
            except client.BsreError as problem:
                return self._stop(keys, problem)
            return batch
        if isinstance(error, client.AuthRefused):
            codes.note_problem(self.agency, BsreCode.Problem.AUTH)
            return self._stop(keys, error)
        if isinstance(error, client.Refused):
            logger.error("BSrE refused a batch of %s pacts of %s: %s", len(keys), self.agency, error)
            for key in keys:
                _failed(key, str(error))
            return None
        # Transient or unknown: the same bytes again after a wait.
        self.in_a_row += 1
        logger.warning("BSrE call for %s pacts of %s failed: %s", len(keys), self.agency, error)
        _release(keys, BACKOFF[min(self.in_a_row, len(BACKOFF)) - 1], str(error))
        if self.in_a_row >= TRANSIENT_IN_A_ROW:
            codes.note_problem(self.agency, BsreCode.Problem.UNREACHABLE)
            self.stopped = error
        return None

    def _stop(self, keys, problem):
        logger.error("BSrE seal of %s stopped: %s", self.agency, problem)
        self.stopped = problem
        _release(keys, 0, str(problem))
        return None

    def _store(self, batch, returned):
        done = []
        for (signature, sent), sealed in zip(batch, returned, strict=True):
            try:
                facts = checks.check(sent, sealed)
            except Exception as problem:  # Unacceptable, or a file that breaks the reader in a new way
                reason = str(problem) if isinstance(problem, checks.Unacceptable) else type(problem).__name__
                logger.error("BSrE's answer for signature %s was not stored: %s", signature.pk, reason)
                _failed(signature.pk, reason)
                continue
            try:
                pact_document_store(
                    signature,
                    sealed,
                    seal_level=facts.seal_level,
                    timestamp_expires_at=facts.timestamp_expires_at,
                    sealed_by=PactDocument.SealedBy.BSRE,
                    pdfa=facts.pdfa,
                )
            except Exception as error:  # the storage or the database, not BSrE: try again later, no failure counted
                logger.exception("BSrE's seal of signature %s could not be stored", signature.pk)
                _release([signature.pk], BACKOFF[0], f"gagal disimpan: {type(error).__name__}")
                continue
            done.append(signature.pk)
        BsreLease.objects.filter(signature_id__in=done).delete()
        self.stored += len(done)


def _release(keys, seconds, problem):
    BsreLease.objects.filter(signature_id__in=keys).update(
        holder="", until=timezone.now() + datetime.timedelta(seconds=seconds), problem=problem[:300]
    )


def _failed(key, problem):
    """One more refused answer for a signature; the last one allowed gives up on it."""
    now = timezone.now()
    BsreLease.objects.filter(signature_id=key).update(
        holder="",
        until=now + datetime.timedelta(seconds=BACKOFF[0]),
        failures=F("failures") + 1,
        problem=problem[:300],
    )
    BsreLease.objects.filter(signature_id=key, failures__gte=MAX_FAILURES, gave_up_at__isnull=True).update(
        gave_up_at=now
    )


def seal_document(agency, data, *, reason):
    """``data`` (a PDF) sealed by BSrE and checked, at once — for a single document made
    outside a web request, such as a *berita acara* in ``manage.py apply_retention``. A
    refused code is refreshed once; anything else raises ``client.BsreError`` or
    ``checks.Unacceptable``."""
    properties = [{"tampilan": "INVISIBLE", "location": agency.place_name, "reason": reason, "contactInfo": ""}]
    code, version = codes.current(agency)
    try:
        (sealed,) = client.seal(agency.bsre_subscriber, code, [data], properties)
    except client.CodeRejected:
        code, version = codes.refresh(agency, version)
        (sealed,) = client.seal(agency.bsre_subscriber, code, [data], properties)
    checks.check(data, sealed)
    codes.note_answered(agency)
    return sealed


def try_again(agency):
    """Give the agency's given-up pacts a fresh set of tries (the operator asked)."""
    return BsreLease.objects.filter(signature__invitation__ceremony__agency=agency, gave_up_at__isnull=False).update(
        gave_up_at=None, failures=0, until=timezone.now(), problem=""
    )


def drain(agency):
    """Seal what this worker can claim of ``agency``'s waiting pacts: the finished
    :class:`Drain` (``stored``, and ``stopped`` when BSrE or the code stopped it)."""
    return Drain(agency).run()


def next_drain(agency, *, later=False, now=None):
    """When a drain should run next: when the first waiting lease is free again — at
    once if one is free now, after a backoff that grows with the outage when ``later``
    — or ``None`` when nothing waits."""
    now = now or timezone.now()
    row = BsreCode.objects.filter(pk=agency.pk).first()
    if row is None or row.problem in (BsreCode.Problem.CHAIN, BsreCode.Problem.AUTH):
        return None  # the keep-alive probes and starts a drain once BSrE answers
    pending = Signature.objects.filter(invitation__ceremony__agency=agency, document__isnull=True).exclude(
        bsre_lease__gave_up_at__isnull=False
    )
    if not pending.exists():
        return None
    first_free = (
        BsreLease.objects.filter(signature__in=pending, until__gt=now).order_by("until").values_list("until", flat=True)
    )
    free_now = pending.filter(Q(bsre_lease__isnull=True) | Q(bsre_lease__until__lte=now)).exists()
    when = now if free_now else (first_free.first() or now)
    if later:
        outage = (now - row.problem_since).total_seconds() if row.problem_since else 0
        shortest, longest = OUTAGE_RETRY
        when = max(when, now + datetime.timedelta(seconds=min(longest, max(shortest, outage / 2))))
    return when


def claim_drain(agency, when):
    """``True`` if the caller should queue a drain for ``when``: at most one is waiting
    per agency (a conditional UPDATE decides)."""
    now = timezone.now()
    return bool(
        BsreCode.objects.filter(pk=agency.pk)
        .filter(Q(drain_at__isnull=True) | Q(drain_at__lte=now) | Q(drain_at__gt=when))
        .update(drain_at=when)
    )
