"""Delivering the outbox, in the background worker (``webhooks.tasks.deliver``):

1. *fan out*: each new :class:`~webhooks.models.Event` becomes one
   :class:`~webhooks.models.Delivery` per active endpoint of its agency that
   subscribes to its type;
2. *claim* the deliveries that are due (``SELECT … FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, an exclusive transaction on SQLite), pushing their next try a lease
   ahead so that a worker that dies leaves them to be tried again — with the same
   ``webhook-id``: at least once;
3. *send* them concurrently (``WEBHOOK_CONCURRENCY`` threads, short timeouts, no
   redirects followed), signed per Standard Webhooks;
4. *record* every try (:class:`~webhooks.models.Attempt`): a 2xx is delivered;
   anything else is tried again after ``WEBHOOK_RETRY_DELAYS`` (about 24 hours in
   all), then failed. An endpoint whose deliveries keep failing is paused, the
   trail says so and the operator's home shows it.

Bodies hold ids, status facts and the read API's addresses of the objects — never a
name, NIP, phone or e-mail. Nothing here logs an endpoint's address or secret.
"""

import datetime
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from django.conf import settings
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.utils import exclusive_transaction

from audit.log import record_for
from audit.models import AuditEvent
from netralitas.lib import events
from netralitas.lib.http import thread_session
from webhooks import signing
from webhooks.models import Attempt, Delivery, Endpoint, Event

logger = logging.getLogger(__name__)

PAUSED = _("Webhook %(address)s dijeda otomatis: %(reason)s")
REASON_FAILURES = _("%(count)s pengiriman berturut-turut gagal sesudah semua percobaan ulang.")
REASON_HOURS = _("tidak ada pengiriman yang berhasil selama lebih dari %(hours)s jam.")
RESPONSE_READ_LIMIT = 64 * 1024

API_PATHS = {
    "ceremony": "/api/v1/ceremonies/{}/",
    "signature": "/api/v1/signatures/{}/",
    "pdf": "/api/v1/signatures/{}/pdf/",
    "invitations": "/api/v1/invitations/?ceremony={}",
}


# The body ------------------------------------------------------------------------
def links(event_type, data):
    """The read API's addresses of the event's objects (``/api/v1/…``, the pages' ids)."""
    base = settings.PUBLIC_BASE_URL
    found = {}
    if "ceremony" in data:
        found["ceremony"] = base + API_PATHS["ceremony"].format(data["ceremony"])
    if event_type in (events.CEREMONY_OPENED, events.CEREMONY_CLOSED):
        found["invitations"] = base + API_PATHS["invitations"].format(data["ceremony"])
    if "signature" in data:
        found["signature"] = base + API_PATHS["signature"].format(data["signature"])
    if event_type == events.DOCUMENT_SEALED:
        found["pdf"] = base + API_PATHS["pdf"].format(data["signature"])
    return found


def iso(moment):
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def body(event):
    """The JSON body, the same bytes on every try."""
    data = {"agency": event.agency_id, **event.data, "links": links(event.type, event.data)}
    payload = {"type": event.type, "timestamp": iso(event.occurred_at), "data": data}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# The loop ------------------------------------------------------------------------
def run(budget=None):
    """Deliver what is due for up to ``budget`` seconds (``WEBHOOK_RUN_SECONDS``).
    Returns counts; the task queues its successor (``webhooks.tasks``)."""
    deadline = time.monotonic() + (settings.WEBHOOK_RUN_SECONDS if budget is None else budget)
    totals = {"delivered": 0, "retry": 0, "failed": 0}
    while True:
        dispatch()
        batch = claim(settings.WEBHOOK_BATCH)
        if not batch:
            break
        for outcome, count in record(batch, send(batch)).items():
            totals[outcome] += count
        if time.monotonic() >= deadline:
            break
    return totals


def dispatch(limit=2000):
    """Fan new events out into deliveries. Returns how many events were handled."""
    with exclusive_transaction(Event.objects.db):
        new = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(dispatched=False)
            .order_by("pk")
            .values_list("pk", "agency_id", "type")[:limit]
        )
        if not new:
            return 0
        endpoints = {}
        for pk, agency_id, wanted in Endpoint.objects.filter(
            active=True, agency_id__in={agency_id for _pk, agency_id, _type in new}
        ).values_list("pk", "agency_id", "events"):
            endpoints.setdefault(agency_id, []).append((pk, set(wanted or ())))
        now = timezone.now()
        deliveries = [
            Delivery(event_id=pk, endpoint_id=endpoint_id, next_attempt_at=now)
            for pk, agency_id, event_type in new
            for endpoint_id, wanted in endpoints.get(agency_id, ())
            if event_type in wanted
        ]
        Delivery.objects.bulk_create(deliveries, batch_size=1000, ignore_conflicts=True)
        Event.objects.filter(pk__in=[pk for pk, _agency, _type in new]).update(dispatched=True)
    return len(new)


def due():
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, endpoint__active=True, endpoint__paused_at__isnull=True
    )


def claim(limit):
    """The deliveries due now, taken for ``WEBHOOK_LEASE_SECONDS`` by this worker."""
    now = timezone.now()
    with exclusive_transaction(Delivery.objects.db):
        ids = list(
            due()
            .filter(next_attempt_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        lease = now + datetime.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=lease)
    return list(Delivery.objects.filter(pk__in=ids).select_related("event", "endpoint"))


_pool = None
_pool_lock = threading.Lock()


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.WEBHOOK_CONCURRENCY, thread_name_prefix="webhook")
    return _pool


def send(batch):
    """One try of each delivery: ``[(at, response code or None, ms, error)]`` in order."""
    items = [
        (delivery.endpoint.url, delivery.endpoint.secret, delivery.event.message_id, body(delivery.event))
        for delivery in batch
    ]
    return list(_executor().map(_post, items))


def _post(item):
    url, secret, message_id, content = item
    at = timezone.now()
    started = time.perf_counter()
    code, error = None, ""
    try:
        response = thread_session().post(
            url,
            data=content,
            headers=signing.headers(secret, message_id, time.time(), content),
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_TIMEOUT),
            allow_redirects=False,
            stream=True,
        )
        try:
            response.raw.read(RESPONSE_READ_LIMIT)  # a short answer keeps the connection; a long one is cut
        finally:
            response.close()
        code = response.status_code
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except requests.Timeout:
        error = "waktu tunggu habis"
    except requests.ConnectionError:
        error = "tidak dapat terhubung"
    except Exception as failure:  # noqa: BLE001 — whatever the receiver does, the worker serves on
        error = type(failure).__name__[:200]
    return at, code, round((time.perf_counter() - started) * 1000), error


def retry_delay(attempts):
    """Seconds before the next try after ``attempts`` tries, or None: give up."""
    delays = settings.WEBHOOK_RETRY_DELAYS
    return delays[attempts - 1] if attempts <= len(delays) else None


def record(batch, results):
    """Store each try and what follows from it: one INSERT for the tries and one UPDATE
    per outcome (a few per batch; Django's ``bulk_update`` cost 10 ms a row here).
    Returns counts by outcome."""
    now = timezone.now()
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    ok_endpoints, failing_endpoints, given_up = set(), set(), {}
    Attempt.objects.bulk_create(
        [
            Attempt(delivery=delivery, at=at, response_code=code, duration_ms=ms, error=error)
            for delivery, (at, code, ms, error) in zip(batch, results, strict=True)
        ],
        batch_size=1000,
    )
    groups = {}  # what to set -> the deliveries that get it
    for delivery, (_at, code, _ms, error) in zip(batch, results, strict=True):
        attempts = delivery.attempts + 1
        values = {"attempts": attempts, "last_attempt_at": now, "response_code": code, "error": error}
        if not error:
            values.update(status=Delivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None)
            ok_endpoints.add(delivery.endpoint_id)
            counts["delivered"] += 1
        else:
            failing_endpoints.add(delivery.endpoint_id)
            delay = retry_delay(attempts)
            if delay is None:
                values.update(status=Delivery.Status.FAILED, next_attempt_at=None)
                given_up[delivery.endpoint_id] = given_up.get(delivery.endpoint_id, 0) + 1
                counts["failed"] += 1
            else:
                values.update(next_attempt_at=now + datetime.timedelta(seconds=delay))
                counts["retry"] += 1
        groups.setdefault(tuple(sorted(values.items())), []).append(delivery.pk)
    for values, ids in groups.items():
        Delivery.objects.filter(pk__in=ids).update(**dict(values))
    if ok_endpoints:
        Endpoint.objects.filter(pk__in=ok_endpoints).exclude(failing_since=None, final_failures=0).update(
            failing_since=None, final_failures=0
        )
    still_failing = failing_endpoints - ok_endpoints
    if still_failing:
        Endpoint.objects.filter(pk__in=still_failing, failing_since=None).update(failing_since=now)
    for endpoint_id, count in given_up.items():
        Endpoint.objects.filter(pk=endpoint_id).update(final_failures=F("final_failures") + count)
    if still_failing:
        pause_failing(still_failing, now)
    return counts


def pause_failing(endpoint_ids, now):
    """Pause the endpoints among ``endpoint_ids`` that keep failing, and say so."""
    hours = settings.WEBHOOK_PAUSE_AFTER_HOURS
    candidates = Endpoint.objects.filter(pk__in=endpoint_ids, active=True, paused_at=None).filter(
        Q(final_failures__gte=settings.WEBHOOK_PAUSE_AFTER_FAILURES)
        | Q(failing_since__lte=now - datetime.timedelta(hours=hours))
    )
    for endpoint in candidates.select_related("agency"):
        if endpoint.final_failures >= settings.WEBHOOK_PAUSE_AFTER_FAILURES:
            reason = REASON_FAILURES % {"count": endpoint.final_failures}
        else:
            reason = REASON_HOURS % {"hours": hours}
        if not Endpoint.objects.filter(pk=endpoint.pk, paused_at=None).update(paused_at=now, paused_reason=reason):
            continue  # another worker paused it just now
        logger.warning("Webhook endpoint %s of agency %s paused: it keeps failing", endpoint.pk, endpoint.agency_id)
        record_for(
            None,
            None,
            AuditEvent.Action.UPDATE,
            endpoint,
            PAUSED,
            actor_name="webhook",
            address=host_of(endpoint.url),
            reason=reason,
        )


def host_of(url):
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or "?"


def next_due():
    """When the earliest delivery still to try is due (now, while events wait to be
    fanned out), or None."""
    now = timezone.now()
    if Event.objects.filter(dispatched=False).exists():
        return now
    first = due().aggregate(first=Min("next_attempt_at"))["first"]
    return None if first is None else max(first, now)


def resume(endpoints):
    """Unpause ``endpoints`` and have their waiting deliveries tried now."""
    now = timezone.now()
    ids = [endpoint.pk for endpoint in endpoints]
    Endpoint.objects.filter(pk__in=ids).update(paused_at=None, paused_reason="", failing_since=None, final_failures=0)
    Delivery.objects.filter(endpoint_id__in=ids, status=Delivery.Status.PENDING).update(next_attempt_at=now)


def send_again(deliveries):
    """Try ``deliveries`` again from the start (same ``webhook-id``), now."""
    Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
    )
