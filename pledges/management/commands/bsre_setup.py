"""Switch an agency to sealing through BSrE: its subscriber id and the first one-time
code BSrE handed out. The code is exchanged for the next one at once (that also tells
its expiry) and kept encrypted in the database; the workers keep it alive from then on.

    manage.py bsre_setup AGENCY_ID --subscriber ID --totp CODE
    manage.py bsre_setup AGENCY_ID --subscriber ID --totp -      # the code from stdin
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import record_for
from audit.models import AuditEvent
from netralitas.lib.text import hidden_characters
from pledges.bsre import client, codes
from pledges.bsre.status import bsre_status
from pledges.tasks import schedule_keep_alive
from roster.models import Agency

SET_UP = gettext_lazy("Mengatur segel BSrE instansi (subscriber %(subscriber)s)")


class Command(BaseCommand):
    help = "Pakai segel BSrE (Esign Client) untuk instansi: ID subscriber dan kode sekali pakai pertama dari BSrE."

    def add_arguments(self, parser):
        parser.add_argument("agency_id", type=int, help="id instansi")
        parser.add_argument("--subscriber", required=True, help="ID subscriber dari BSrE")
        parser.add_argument("--totp", required=True, help="kode sekali pakai pertama dari BSrE; - = baca dari stdin")

    def handle(self, *args, agency_id, subscriber, totp, **options):
        agency = Agency.objects.filter(pk=agency_id).first()
        if agency is None:
            raise CommandError(_("Instansi dengan id %(id)s tidak ada.") % {"id": agency_id})
        subscriber = subscriber.strip()
        code = (sys.stdin.readline() if totp == "-" else totp).strip()
        if not subscriber or len(subscriber) > 100 or hidden_characters(subscriber):
            raise CommandError(_("ID subscriber BSrE kosong, terlalu panjang, atau memuat karakter tersembunyi."))
        if not code or len(code) > 64 or not code.isascii() or not code.isprintable() or " " in code:
            raise CommandError(_("Kode sekali pakai BSrE kosong atau tidak berbentuk kode."))
        with transaction.atomic():
            agency.seal_service = Agency.SealService.BSRE
            agency.bsre_subscriber = subscriber
            agency.save(update_fields=["seal_service", "bsre_subscriber"])
            codes.store_first_code(agency, code)
            record_for(
                None, None, AuditEvent.Action.UPDATE, agency, SET_UP, actor_name="manage.py bsre_setup",
                subscriber=subscriber,
            )  # fmt: skip
        self.stdout.write(_("%(agency)s: menyegel melalui BSrE, subscriber %(subscriber)s.") % {
            "agency": agency, "subscriber": subscriber})  # fmt: skip
        missing = [name for name in ("BSRE_URL", "BSRE_USERNAME", "BSRE_PASSWORD") if not getattr(settings, name)]
        if not settings.BSRE_TRUST_ROOTS:
            missing.append("BSRE_TRUST_ROOTS")
        if missing:
            self.stdout.write(
                _("Belum diatur di server: %(names)s. Kode disimpan; penyegelan menunggu sampai semuanya diatur.")
                % {"names": ", ".join(missing)}
            )
            return
        try:
            codes.current(agency)  # the first code is due at once: exchanged for the next
        except client.BsreError as problem:
            self.stderr.write(_("BSrE belum menerima kode: %(problem)s.") % {"problem": problem})
        schedule_keep_alive(agency.pk)
        self.stdout.write(bsre_status(agency).reason)
