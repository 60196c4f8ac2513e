"""Writing the outbox: which agency wants which events (kept in memory a few
seconds, so that a signing of an agency without endpoints costs nothing), the one
INSERT per event inside the caller's transaction, and the nudge that gets a worker
to deliver it after the commit."""

import datetime
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from netralitas.lib.dates import timestamp
from webhooks import tasks
from webhooks.models import Endpoint, Event


class Outbox:
    def __init__(self):
        self._table = {}
        self._expires = 0.0
        self._lock = threading.Lock()
        self._scheduled_until = 0.0

    # Who wants what ---------------------------------------------------------------
    def wants(self, event_type, agency_id):
        if time.monotonic() >= self._expires:
            self._reload()
        return event_type in self._table.get(agency_id, ())

    def _reload(self):
        with self._lock:
            table = {}
            for agency_id, wanted in Endpoint.objects.filter(active=True).values_list("agency_id", "events"):
                table.setdefault(agency_id, set()).update(wanted or ())
            self._table = table
            self._expires = time.monotonic() + settings.WEBHOOK_SUBSCRIPTIONS_SECONDS

    def forget(self, **_kwargs):
        """Read the endpoints again at the next question (an endpoint was saved here)."""
        self._expires = 0.0

    # Writing ----------------------------------------------------------------------
    data_field = "data"

    def row(self, event_type, agency_id, data):
        return Event(agency_id=agency_id, type=event_type, occurred_at=timezone.now(), data=data)

    def stored(self, row):
        if isinstance(row, Event):
            transaction.on_commit(self.kick)  # at once in autocommit: the statement has committed

    def record(self, event_type, agency_id, data):
        row = self.row(event_type, agency_id, data)
        row.save(force_insert=True)
        self.stored(row)

    def kick(self):
        """Have a worker deliver soon: at most one queued task per ``WEBHOOK_KICK_SECONDS``
        per process. A task queued to start at or after this commit sees its event."""
        now = time.time()
        if now <= self._scheduled_until:
            return
        run_after = now + settings.WEBHOOK_KICK_SECONDS
        self._scheduled_until = run_after
        tasks.schedule(datetime.datetime.fromtimestamp(run_after, datetime.UTC))


OUTBOX = Outbox()
post_save.connect(OUTBOX.forget, sender=Endpoint, dispatch_uid="webhooks.outbox.forget.save")
post_delete.connect(OUTBOX.forget, sender=Endpoint, dispatch_uid="webhooks.outbox.forget.delete")


def paused_notices(agency_id):
    """What the operator's home says about the agency's paused endpoints."""
    return [
        _(
            "Webhook ke %(address)s dijeda sejak %(since)s karena terus gagal: %(reason)s "
            "Minta administrator memeriksa penerimanya lalu mengaktifkannya lagi."
        )
        % {
            "address": urlsplit(endpoint.url).hostname,
            "since": timestamp(endpoint.paused_at, endpoint.agency.time_zone),
            "reason": endpoint.paused_reason,
        }
        for endpoint in Endpoint.objects.filter(
            agency_id=agency_id, active=True, paused_at__isnull=False
        ).select_related("agency")
    ]
