"""``manage.py create_api_token AGENCY_ID NAME``: a read-only API token for one agency,
printed once (only its SHA-256 is kept) and recorded in the trail.

``--hari N`` sets its lifetime (default ``API_TOKEN_DAYS``); ``--auditor USERNAME``
makes it the auditor's token, reading every agency that auditor supervises — then
AGENCY_ID must be one of them. Every bad argument gets one Indonesian sentence and
exit status 1."""

import datetime
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from api.models import ApiToken
from audit.log import Bulk, record_for
from audit.models import AuditEvent
from netralitas.lib.commands import ArgumentErrorsInOneSentence
from netralitas.lib.dates import timestamp
from netralitas.lib.text import message_text
from roster.models import Agency, StaffProfile

USAGE = "python manage.py create_api_token ID_INSTANSI NAMA [--hari N] [--auditor NAMA_PENGGUNA]"
MAX_DAYS = 3650
CREATED = gettext_lazy("Token API “%(token)s” dibuat dari baris perintah, berlaku sampai %(expires)s")


class Command(ArgumentErrorsInOneSentence, BaseCommand):
    help = "Buat token API baca-saja untuk satu instansi (atau untuk auditor); token dicetak sekali."

    def add_arguments(self, parser):
        parser.add_argument("agency_id", metavar="ID_INSTANSI", help="id instansi (lihat admin)")
        parser.add_argument("name", metavar="NAMA", help="untuk apa token ini, mis. “Dasbor BKD”")
        parser.add_argument("--hari", dest="days", metavar="N", help="masa berlaku dalam hari")
        parser.add_argument("--auditor", metavar="NAMA_PENGGUNA", help="token auditor: semua instansi yang diawasinya")

    def argument_error_text(self, message):
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            reason = _("Argumen tidak dikenal: %(arguments)s.") % {"arguments": message_text(unknown[1])}
        elif "required" in message:
            reason = _("ID_INSTANSI dan NAMA wajib diisi.")
        else:
            reason = _("Argumen tidak dapat dibaca.")
        return _("%(reason)s Pemakaian: %(usage)s") % {"reason": reason, "usage": USAGE}

    def handle(self, *args, agency_id, name, days, auditor, **options):
        with override("id"):
            agency = self._agency(agency_id)
            days = self._days(days)
            token = ApiToken(name=name.strip(), expires_at=timezone.now() + datetime.timedelta(days=days))
            if auditor is None:
                token.agency = agency
            else:
                token.auditor = self._auditor(auditor, agency)
            secret = token.issue()
            try:
                token.full_clean()
            except ValidationError as error:
                problems = "; ".join(message_text(text) for texts in error.message_dict.values() for text in texts)
                raise CommandError(_("Nama token tidak dapat dipakai: %(problems)s") % {"problems": problems}) from None
            token.save()
            expires = timestamp(token.expires_at, agency.time_zone)
            record_for(
                None, None, AuditEvent.Action.CREATE, token if token.agency_id else Bulk(agency.pk, ApiToken), CREATED,
                actor_name="manage.py create_api_token", token=str(token), expires=expires,
            )  # fmt: skip
            scope = (
                _("instansi %(agency)s") % {"agency": agency.name}
                if auditor is None
                else _("instansi yang diawasi auditor %(auditor)s") % {"auditor": auditor}
            )
            self.stderr.write(
                _("Token API “%(name)s” untuk %(scope)s, berlaku sampai %(expires)s. Simpan sekarang: token ini "
                  "tidak ditampilkan lagi.") % {"name": token.name, "scope": scope, "expires": expires}
            )  # fmt: skip
            self.stdout.write(secret)

    def _agency(self, value):
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            raise CommandError(
                _("ID_INSTANSI harus angka (id instansi di admin), bukan “%(value)s”.") % {"value": message_text(value)}
            )
        agency = Agency.objects.filter(pk=int(value)).first()
        if agency is None:
            raise CommandError(_("Tidak ada instansi dengan id %(value)s.") % {"value": value})
        return agency

    def _days(self, value):
        if value is None:
            from django.conf import settings

            return settings.API_TOKEN_DAYS
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_DAYS:
            raise CommandError(_("--hari harus angka 1 sampai %(max)s.") % {"max": MAX_DAYS})
        return int(value)

    def _auditor(self, username, agency):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        profile = getattr(user, "staff_profile", None) if user else None
        if profile is None or profile.role != StaffProfile.Role.AUDITOR:
            raise CommandError(
                _("Tidak ada auditor aktif dengan nama pengguna “%(value)s”.") % {"value": message_text(username)}
            )
        if not profile.supervised_agencies.filter(pk=agency.pk).exists():
            raise CommandError(
                _("Auditor %(auditor)s tidak mengawasi instansi %(agency)s.")
                % {"auditor": username, "agency": agency.name}
            )
        return profile
