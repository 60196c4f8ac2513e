"""``manage.py cleanup_webhooks``: delete the webhook events (with their deliveries and
tries) older than ``WEBHOOK_KEEP_DAYS`` that have nothing left to try. Run it daily
beside ``cleanup_jobs`` (README)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from webhooks.models import Delivery, Event

CHUNK = 2000


class Command(BaseCommand):
    help = "Hapus peristiwa webhook lama yang tidak lagi menunggu pengiriman."

    def handle(self, *args, **options):
        cutoff = timezone.now() - datetime.timedelta(days=settings.WEBHOOK_KEEP_DAYS)
        old = (
            Event.objects.filter(occurred_at__lt=cutoff, dispatched=True)
            .exclude(deliveries__status=Delivery.Status.PENDING)
            .order_by("pk")
        )
        count = 0
        while True:
            ids = list(old.values_list("pk", flat=True)[:CHUNK])
            if not ids:
                break
            Event.objects.filter(pk__in=ids).delete()
            count += len(ids)
        self.stdout.write(f"{count} peristiwa webhook lama dihapus.")
