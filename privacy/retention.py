"""The retention schedule applied (UU PDP Pasal 44, UU 43/2009): what has expired for one
agency — ``plan`` — and its removal through the one guarded path — ``carry_out``.

Three rules, each the agency's ``RetentionPolicy``:

* **Contacts.** An employee's phone and email are erased N days after the last apel they
  were invited to closed (an apel still open or to come keeps them). An apel closed by
  hand counts from its window's end when it has one, else from its start.
* **Devices.** A signature's device address is cut to its /24 (IPv4) or /48 (IPv6)
  network and its browser to its family (``browser_family``) M months after signing.
* **Pacts.** A signed pact, its PDF and its archival timestamps are kept until the end of
  the N-th year after the election's year (the agency's *JRA*), then destroyed.

One transaction per agency writes a ``pledges.Destruction`` with its sealed *berita acara*,
a tombstone per pact and a record per reduced device — which is what the database guards
ask for before they let the signature's rows go or change (``pledges`` migration 0007) —
erases, reduces and deletes, and lists the stored files to delete. The files go after the
commit; one that fails stays listed and the next run tries again. Nothing is half done: the
rows go all together or not at all, and a file is only deleted once its rows are gone.
"""

import calendar
import datetime
import ipaddress
import logging
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.log import record_for
from audit.models import AuditEvent
from ceremonies.models import Ceremony
from netralitas.lib.dates import in_zone, tanggal
from netralitas.lib.tokens import new_code
from pledges.models import (
    ArchivalTimestamp,
    DestroyedPact,
    Destruction,
    FileDeletion,
    PactDocument,
    ReducedDevice,
    Signature,
    StorageFinding,
    sha256_hex,
)
from pledges.personal_data import section
from privacy.models import RetentionPolicy
from roster.identity import Identifier
from roster.models import Employee

logger = logging.getLogger(__name__)

ACTOR = "jadwal retensi (manage.py apply_retention)"
CARRIED_OUT = _(
    "Menerapkan jadwal retensi: %(pacts)s pakta dimusnahkan, %(contacts)s kontak dihapus, "
    "%(devices)s perangkat disamarkan (berita acara %(number)s)"
)
# The browser families a user agent is reduced to, and the words that mark each, in the
# order the database guard tests them (pledges migration 0007 holds the same list).
FAMILIES = (
    ("Edge", ("Edg",)),
    ("Opera", ("OPR/", "Opera")),
    ("Samsung Internet", ("SamsungBrowser",)),
    ("Firefox", ("Firefox", "FxiOS")),
    ("Chrome", ("Chrome", "CriOS")),
    ("Safari", ("Safari",)),
)
OTHER_BROWSER = "lainnya"
REDUCED_BROWSERS = frozenset({"", OTHER_BROWSER, *(name for name, _words in FAMILIES)})


def browser_family(user_agent):
    """``Chrome``, ``Firefox``… or ``lainnya``; a value already reduced stays."""
    if user_agent in REDUCED_BROWSERS:
        return user_agent
    for name, words in FAMILIES:
        if any(word in user_agent for word in words):
            return name
    return OTHER_BROWSER


def reduced_address(address):
    """The address's /24 (IPv4) or /48 (IPv6) network address, as stored; ``None`` stays."""
    if not address:
        return address
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def months_before(moment, months):
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass
class ExpiredPact:
    signature_id: int
    invitation_id: int
    verification_code: str
    display_code: str
    pdf_sha256: str
    signed_at: datetime.datetime
    ceremony_at: datetime.datetime
    election_date: datetime.date
    rule: str
    document_id: int | None
    files: list


@dataclass
class ExpiredContact:
    employee_id: int
    masked_identifier: str


@dataclass
class ExpiredDevice:
    signature_id: int
    display_code: str
    ip_address: str | None
    user_agent: str


@dataclass
class Plan:
    """What has expired for one agency at ``now``; nothing is changed by making it."""

    agency: object
    policy: RetentionPolicy
    now: datetime.datetime
    pacts: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    devices: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.pacts or self.contacts or self.devices)

    def rules(self):
        return self.policy.rules()


@section("jadwal_retensi")
def rules_for_package(employee):
    """The person's data package names the agency's retention schedule."""
    return RetentionPolicy.of(employee.agency).rules()


def plan(agency, now=None):
    """What the agency's policy lets go at ``now``."""
    now = now or timezone.now()
    policy = RetentionPolicy.of(agency)  # read only: a dry run writes nothing, not even the defaults
    result = Plan(agency=agency, policy=policy, now=now)
    result.pacts = _expired_pacts(agency, policy, now)
    doomed = {pact.signature_id for pact in result.pacts}
    result.devices = [device for device in _expired_devices(agency, policy, now) if device.signature_id not in doomed]
    result.contacts = _expired_contacts(agency, policy, now)
    return result


def _expired_pacts(agency, policy, now):
    local_year = in_zone(now, agency.time_zone).year
    last_year = local_year - policy.pact_years - 1  # elections of this year or before have expired
    signatures = (
        Signature.objects.filter(
            invitation__ceremony__agency=agency, invitation__ceremony__election__voting_date__year__lte=last_year
        )
        .select_related("invitation__ceremony__election", "document")
        .only(
            "pk",
            "invitation_id",
            "verification_code",
            "signed_at",
            "invitation__ceremony__starts_at",
            "invitation__ceremony__election__voting_date",
            "invitation__ceremony__election__short_name",
            "document__sha256",
            "document__file",
        )
        .order_by("signed_at", "pk")
    )
    archival = {}
    for stamp in ArchivalTimestamp.objects.filter(document__signature__in=signatures).only("document_id", "file"):
        archival.setdefault(stamp.document_id, []).append(stamp.file.name)
    expired = []
    for signature in signatures:
        ceremony = signature.invitation.ceremony
        election = ceremony.election
        document = getattr(signature, "document", None)
        kept_until = datetime.date(election.voting_date.year + policy.pact_years, 12, 31)
        rule = (
            f"JRA {policy.pact_years} tahun sesudah tahun pemilihan {election.voting_date.year} "
            f"({election.short_name}): disimpan sampai {tanggal(kept_until)}"
        )
        files = []
        if document is not None:
            files = [document.file.name, *archival.get(document.pk, [])]
        expired.append(
            ExpiredPact(
                signature_id=signature.pk,
                invitation_id=signature.invitation_id,
                verification_code=signature.verification_code,
                display_code=signature.display_code,
                pdf_sha256=document.sha256 if document is not None else "",
                signed_at=signature.signed_at,
                ceremony_at=ceremony.starts_at,
                election_date=election.voting_date,
                rule=rule,
                document_id=document.pk if document is not None else None,
                files=files,
            )
        )
    return expired


def _expired_devices(agency, policy, now):
    reduced = ReducedDevice.objects.values("signature_key")
    signatures = (
        Signature.objects.filter(
            invitation__ceremony__agency=agency, signed_at__lte=months_before(now, policy.device_months)
        )
        .exclude(pk__in=reduced)
        .only("pk", "verification_code", "ip_address", "user_agent")
        .order_by("signed_at", "pk")
    )
    devices = []
    for signature in signatures:
        address, browser = reduced_address(signature.ip_address), browser_family(signature.user_agent)
        if (address, browser) != (signature.ip_address, signature.user_agent):
            devices.append(ExpiredDevice(signature.pk, signature.display_code, address, browser))
    return devices


def _expired_contacts(agency, policy, now):
    closed = Q(status=Ceremony.Status.CLOSED) | Q(signing_closes_at__lte=now)
    still_open = Ceremony.objects.filter(agency=agency).exclude(closed)
    employees = (
        Employee.objects.filter(agency=agency, invitations__isnull=False)
        .exclude(phone="", email="")
        .exclude(invitations__ceremony__in=still_open)
        .annotate(
            last_closed=Max(Coalesce("invitations__ceremony__signing_closes_at", "invitations__ceremony__starts_at"))
        )
        .filter(last_closed__lte=now - datetime.timedelta(days=policy.contact_days))
        .only("pk", "nip", "nik", "employment_type")
        .order_by("pk")
    )
    return [
        ExpiredContact(employee.pk, Identifier.of_type(employee.nip, employee.nik, employee.employment_type).masked)
        for employee in employees
    ]


def _open(destruction):
    """Tell the PostgreSQL guards which destruction this transaction carries out: they let
    a row go only when its tombstone belongs to it. Transaction-local (``set_config(…,
    true)``), so it ends with the transaction, behind a transaction pooler too."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('netralitas.retention', %s, true)", [str(destruction.pk)])


def _close():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('netralitas.retention', '', true)")


def new_number(agency, now):
    """``PMS/12/20261207/K7P3QX``: the berita acara's number — agency, local date, a code."""
    return f"PMS/{agency.pk}/{in_zone(now, agency.time_zone):%Y%m%d}/{new_code(6)}"


def carry_out(plan):
    """Destroy, erase and reduce what ``plan`` lists, in one transaction, with the sealed
    berita acara and a tombstone per pact; the stored files after the commit. Returns the
    ``Destruction``, or ``None`` for an empty plan."""
    from privacy.berita_acara import berita_acara_pdf

    if not plan:
        return None
    agency, now = plan.agency, plan.now
    number = new_number(agency, now)
    pdf = berita_acara_pdf(plan, number)
    name = default_storage.save(
        f"berita-acara/{agency.pk}/berita-acara-pemusnahan-{number.replace('/', '-')}.pdf", ContentFile(pdf)
    )
    try:
        with transaction.atomic():
            destruction = _write(plan, number, name, pdf)
            transaction.on_commit(lambda: delete_files(destruction.file_deletions.all()))
    except BaseException:
        default_storage.delete(name)  # the rows never were: neither is their berita acara
        raise
    return destruction


def _write(plan, number, name, pdf):
    agency, now = plan.agency, plan.now
    if plan.policy.pk is None:  # the defaults applied: recorded, so the admin shows what ruled
        plan.policy.save()
    destruction = Destruction.objects.create(
        agency=agency,
        number=number,
        file=name,
        sha256=sha256_hex(pdf),
        size=len(pdf),
        pacts=len(plan.pacts),
        contacts=len(plan.contacts),
        devices=len(plan.devices),
    )
    _open(destruction)
    DestroyedPact.objects.bulk_create(
        DestroyedPact(
            destruction=destruction,
            signature_key=pact.signature_id,
            invitation_id=pact.invitation_id,
            verification_code=pact.verification_code,
            pdf_sha256=pact.pdf_sha256,
            signed_at=pact.signed_at,
            ceremony_at=pact.ceremony_at,
            election_date=pact.election_date,
            rule=pact.rule,
            destroyed_at=now,
        )
        for pact in plan.pacts
    )
    ReducedDevice.objects.bulk_create(
        ReducedDevice(destruction=destruction, signature_key=device.signature_id) for device in plan.devices
    )
    for device in plan.devices:
        Signature.objects.filter(pk=device.signature_id).update(
            ip_address=device.ip_address, user_agent=device.user_agent
        )
    Employee.objects.filter(pk__in=[contact.employee_id for contact in plan.contacts]).update(
        phone="", email="", updated_at=now
    )
    signature_ids = [pact.signature_id for pact in plan.pacts]
    StorageFinding.objects.filter(document__signature__in=signature_ids).delete()
    ArchivalTimestamp.objects.filter(document__signature__in=signature_ids).delete()
    PactDocument.objects.filter(signature__in=signature_ids).delete()
    Signature.objects.filter(pk__in=signature_ids).delete()
    FileDeletion.objects.bulk_create(
        FileDeletion(destruction=destruction, name=name) for pact in plan.pacts for name in pact.files
    )
    _close()
    record_for(
        None,
        None,
        AuditEvent.Action.DELETE,
        destruction,
        CARRIED_OUT,
        actor_name=ACTOR,
        pacts=destruction.pacts,
        contacts=destruction.contacts,
        devices=destruction.devices,
        number=number,
    )
    return destruction


def delete_files(deletions):
    """Delete each listed file through the storage API; a failure stays listed with its
    error, for the next run. Returns ``(deleted, failed)``. The files that went are marked
    in one UPDATE (a commit per file would cost more than deleting it)."""
    deleted, failed = [], 0
    for deletion in deletions.filter(deleted_at__isnull=True).order_by("pk").only("pk", "name", "attempts"):
        try:
            default_storage.delete(deletion.name)
        except Exception as error:  # any storage fault: kept for the next run
            logger.warning("Berkas %s belum terhapus: %s", deletion.name, error)
            deletion.attempts += 1
            deletion.error = str(error)[:300]
            deletion.save(update_fields=["attempts", "error"])
            failed += 1
        else:
            deleted.append(deletion.pk)
    FileDeletion.objects.filter(pk__in=deleted).update(deleted_at=timezone.now(), attempts=F("attempts") + 1, error="")
    return len(deleted), failed


def pending_file_deletions():
    return FileDeletion.objects.filter(deleted_at__isnull=True)
