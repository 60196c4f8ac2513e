"""Reminding the invited who have not signed, from the "Yang belum menandatangani"
page, unit by unit: a WhatsApp message to a person (``wa.me``, their number from
the roster), a WhatsApp message for a unit head listing the unit's non-signers with
their personal links, a printed reminder sheet (the link sheets' job,
``ceremonies.exports``), and emails sent by a background job.

Every reminder is a :class:`~ceremonies.models.Reminder` per invitation (the live
board counts them) and one event in the audit trail. The messages are Indonesian
whatever the page language, like every document; the personal link is the public
address's (``PUBLIC_BASE_URL``), as on the link sheets.
"""

import smtplib
from urllib.parse import quote

from django.conf import settings
from django.core import mail
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import record, record_for
from audit.models import AuditEvent
from ceremonies.models import Ceremony, Invitation, Reminder, signed_condition
from ceremonies.printables import link_maker
from jobs.engine import start_for
from jobs.kinds import kind
from jobs.work import JobError, Outcome
from netralitas.lib.chunks import in_chunks
from netralitas.lib.dates import waktu
from roster.contact import mask_email, mask_phone
from roster.models import Unit

# People per WhatsApp message for a unit head: a message stays far below WhatsApp's
# 65,536 characters and readable on a phone; a bigger unit gets several.
UNIT_MESSAGE_PEOPLE = 100
WHATSAPP = "https://wa.me/"

# Audit trail descriptions: stored in Indonesian whatever the page language (audit.log.describe).
WHATSAPP_SENT = gettext_lazy("Pengingat WhatsApp untuk %(name)s (%(phone)s), apel “%(title)s”")
UNIT_MESSAGE_SENT = gettext_lazy(
    "Pesan WhatsApp untuk kepala unit %(unit)s (bagian %(part)s): %(count)s pegawai belum menandatangani, "
    "apel “%(title)s”"
)
SHEET_STARTED = gettext_lazy(
    "Mencetak lembar pengingat unit %(unit)s: %(count)s pegawai belum menandatangani, apel “%(title)s”"
)
EMAIL_STARTED = gettext_lazy("Memulai pengingat email unit %(unit)s: %(count)s alamat, apel “%(title)s”")
EMAILS_SENT = gettext_lazy(
    "Pengingat email unit %(unit)s: %(sent)s terkirim, %(refused)s ditolak%(failed)s, apel “%(title)s” — %(to)s"
)
NO_NUMBER = gettext_lazy("tanpa nomor")

NOT_CONFIGURED = gettext_lazy(
    "Email belum dapat dikirim: server email belum diatur (EMAIL_HOST). Hubungi administrator sistem, "
    "atau ingatkan lewat WhatsApp atau lembar pengingat."
)


def mail_configured():
    """Whether the server can send mail (the same settings as the password reset)."""
    return bool(settings.EMAIL_HOST)


def _context(ceremony):
    agency = ceremony.agency
    context = {"ceremony": ceremony, "agency": agency}
    if ceremony.signing_closes_at:
        context["closes"] = waktu(ceremony.signing_closes_at, agency.time_zone)
    return context


def whatsapp_text(invitation):
    """The message to one person: who they are, which apel, their personal link."""
    context = {**_context(invitation.ceremony), "name": invitation.employee.name, "link": invitation.public_url}
    return render_to_string("ceremonies/reminders/whatsapp.txt", context).strip()


def whatsapp_url(phone, text):
    """``https://wa.me/628…?text=…``; without a number WhatsApp asks whom to send it to."""
    return f"{WHATSAPP}{phone}?text={quote(text, safe='')}"


def unit_messages(ceremony, unit):
    """The messages for ``unit``'s head: its non-signers with their personal links,
    ``UNIT_MESSAGE_PEOPLE`` per message — ``[{"number", "count", "text"}, …]``."""
    people = list(
        ceremony.invitations.unsigned()
        .filter(unit=unit)
        .order_by("employee__name", "pk")
        .values_list("employee__name", "token")
    )
    link = link_maker()
    parts = [people[start : start + UNIT_MESSAGE_PEOPLE] for start in range(0, len(people), UNIT_MESSAGE_PEOPLE)]
    messages = []
    for number, part in enumerate(parts, start=1):
        offset = (number - 1) * UNIT_MESSAGE_PEOPLE
        context = {
            **_context(ceremony),
            "unit": unit,
            "total": len(people),
            "part": number,
            "parts": len(parts),
            "people": [(offset + index, name, link(token)) for index, (name, token) in enumerate(part, start=1)],
        }
        text = render_to_string("ceremonies/reminders/whatsapp_unit.txt", context).strip()
        messages.append({"number": number, "count": len(part), "text": text})
    return messages


def unit_message_invitations(ceremony, unit, part):
    """The invitations listed in message ``part`` (1-based) of :func:`unit_messages`."""
    start = (part - 1) * UNIT_MESSAGE_PEOPLE
    return list(
        ceremony.invitations.unsigned()
        .filter(unit=unit)
        .order_by("employee__name", "pk")
        .values_list("pk", flat=True)[start : start + UNIT_MESSAGE_PEOPLE]
    )


# -- recording ------------------------------------------------------------------------


def record_whatsapp(request, invitation):
    """A WhatsApp message to one person was opened: one reminder, one trail event
    (the number masked: auditors read the trail)."""
    Reminder.objects.create(invitation=invitation, channel=Reminder.Channel.WHATSAPP, sent_by=request.user)
    employee = invitation.employee
    record(
        request,
        AuditEvent.Action.REMIND,
        invitation,
        WHATSAPP_SENT,
        name=employee.name,
        phone=mask_phone(employee.phone) or NO_NUMBER,
        title=invitation.ceremony.title,
    )


def record_unit_message(request, ceremony, unit, part, invitation_ids):
    Reminder.objects.bulk_create(
        [
            Reminder(invitation_id=pk, channel=Reminder.Channel.WHATSAPP_UNIT, sent_by=request.user)
            for pk in invitation_ids
        ]
    )
    record(
        request,
        AuditEvent.Action.REMIND,
        ceremony,
        UNIT_MESSAGE_SENT,
        unit=unit.name,
        part=part,
        count=len(invitation_ids),
        title=ceremony.title,
    )


def record_sheet(request, ceremony, unit, count):
    """The reminder sheet was started; its job records a reminder per card it prints."""
    record(
        request, AuditEvent.Action.REMIND, ceremony, SHEET_STARTED, unit=unit.name, count=count, title=ceremony.title
    )


def record_sheet_reminders(job, invitation_ids):
    """Called by the link sheets' job once a reminder sheet is made."""
    if Reminder.objects.filter(job=job).exists():  # a retried job starts over, but reminds once
        return
    Reminder.objects.bulk_create(
        [
            Reminder(invitation_id=pk, channel=Reminder.Channel.SHEET, sent_by=job.user, job=job)
            for pk in invitation_ids
        ],
        batch_size=2000,
    )


# -- email ----------------------------------------------------------------------------


def email_recipients(ceremony, unit):
    """The unit's non-signers with a known email address."""
    return ceremony.invitations.unsigned().filter(unit=unit).exclude(employee__email="")


def start_email_reminders(request, ceremony, unit):
    count = email_recipients(ceremony, unit).count()
    record(
        request, AuditEvent.Action.REMIND, ceremony, EMAIL_STARTED, unit=unit.name, count=count, title=ceremony.title
    )
    return start_for(
        request,
        kind=email_reminders,
        title=_("Pengingat email apel “%(title)s” — %(unit)s") % {"title": ceremony.title, "unit": unit.name},
        agency=ceremony.agency,
        params={
            "ceremony": ceremony.pk,
            "unit": unit.pk,
            "back_url": f"{reverse('ceremonies:unsigned', args=[ceremony.pk])}?unit={unit.pk}",
        },
    )


@kind("email_reminders", gettext_lazy("Pengingat email"))
def email_reminders(job, progress):
    """Send one email per non-signer of the unit with an address, through Django's
    mail (``EMAIL_*`` settings); a person already mailed by this job (a retry) is not
    mailed again. An address the server refuses is counted and the others go on; a
    server that cannot be reached ends the job with what was sent so far."""
    ceremony = Ceremony.objects.select_related("agency").get(pk=job.params["ceremony"], agency_id=job.agency_id)
    unit = Unit.objects.get(pk=job.params["unit"], agency_id=job.agency_id)
    if not mail_configured():
        raise JobError(str(NOT_CONFIGURED))
    invitations = (
        email_recipients(ceremony, unit)
        .exclude(reminders__job=job)
        .select_related("employee")
        .order_by("employee__name", "pk")
    )
    progress.stage(_("Mengirim email"), total=invitations.count())
    context = _context(ceremony)  # once per job, not per mail
    subject = " ".join(render_to_string("ceremonies/reminders/email_subject.txt", context).split())
    sent, refused, failure = [], [], None
    try:
        with mail.get_connection(fail_silently=False) as connection:
            for invitation in in_chunks(invitations, 500):
                if _send(connection, subject, context, invitation):
                    # Recorded as soon as it is sent: a worker killed halfway and the
                    # job retried does not mail this person again.
                    Reminder.objects.create(
                        invitation=invitation, channel=Reminder.Channel.EMAIL, sent_by=job.user, job=job
                    )
                    sent.append(invitation)
                else:
                    refused.append(invitation)
                progress.step()
    except (smtplib.SMTPException, OSError) as error:
        failure = error
    _record_emails(job, ceremony, unit, sent, refused, failure)
    if failure is not None:
        raise JobError(
            _(
                "Server email tidak dapat dihubungi atau menolak pengiriman (%(error)s). "
                "%(sent)s email terkirim sebelum itu; jalankan lagi untuk sisanya."
            )
            % {"error": str(failure)[:200] or failure.__class__.__name__, "sent": len(sent)}
        )
    message = _("%(sent)s email pengingat terkirim.") % {"sent": len(sent)}
    if refused:
        message += " " + _("Ditolak server email: %(names)s.") % {
            "names": ", ".join(f"{i.employee.name} ({mask_email(i.employee.email)})" for i in refused[:20])
        }
    return Outcome(result={"sent": len(sent), "refused": len(refused)}, message=message)


def _send(connection, subject, context, invitation):
    """Mail one reminder; ``False`` when the server refuses this address."""
    context = {**context, "name": invitation.employee.name, "link": invitation.public_url, "code": invitation.code}
    body = render_to_string("ceremonies/reminders/email.txt", context)
    message = mail.EmailMessage(subject, body, to=[invitation.employee.email], connection=connection)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        return False
    return True


def _record_emails(job, ceremony, unit, sent, refused, failure):
    addresses = ", ".join(mask_email(i.employee.email) for i in sent[:10])
    if len(sent) > 10:
        addresses += ", …"
    record_for(
        job.user,
        job.ip_address,
        AuditEvent.Action.REMIND,
        ceremony,
        EMAILS_SENT,
        unit=unit.name,
        sent=len(sent),
        refused=len(refused),
        failed=_(", server email gagal") if failure else "",
        title=ceremony.title,
        to=addresses or "–",
    )


def reminded_counts(ceremony):
    """How many invitations of ``ceremony`` were reminded (any way, counted once) and
    how many of those have signed since (a pact destroyed since by the retention schedule
    was signed): one query."""
    return Invitation.objects.filter(ceremony=ceremony, reminders__isnull=False).aggregate(
        reminded=Count("id", distinct=True), signed=Count("id", filter=signed_condition(), distinct=True)
    )
