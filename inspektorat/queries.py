"""The invitation lists the Inspektorat reads, built so that their cost does not
grow with the ceremony: one query for a page of rows, one for the totals per
unit, and a streamed query for recaps and archives.

The signature's drawn image (a BinaryField), its text and its JSON snapshots are
never loaded here: a list only needs the time and the verification code.
"""

from django.db.models import Count, F, Q

from ceremonies.models import Invitation
from netralitas.lib.dates import ABBREVIATIONS, in_zone
from pledges.models import Signature
from roster.identity import Identifier
from roster.models import EmploymentType, Unit

# The page lists people by name; the recap and archives group them by unit
# (units without a name last, on SQLite and PostgreSQL alike).
PAGE_ORDER = ("employee__name", "pk")
ROW_ORDER = (F("unit__name").asc(nulls_last=True), "employee__name", "pk")

ROW_FIELDS = (
    "id",
    "ceremony_id",
    "employee_id",
    "unit_id",
    "unit__name",
    "employee__name",
    "employee__nip",
    "employee__nik",
    "employee__employment_type",
    "employee__rank",
    "signature__id",
    "signature__invitation_id",
    "signature__signed_at",
    "signature__verification_code",
    "signature__document__id",
    "signature__document__signature_id",
)


def invitation_ids(invitations):
    """The ids of ``invitations`` in page order (name, then id).

    A page is fetched in two steps: this narrow query sorts and slices the ids,
    then :func:`invitation_rows` joins the 50 rows a page shows. Sorting 40,000
    rows with their signatures and PDFs joined in took 5–14 times longer on SQLite.
    """
    return invitations.order_by(*PAGE_ORDER).values_list("pk", flat=True)


def invitation_rows(ids):
    """The invitations ``ids``, in that order, with what a list shows."""
    rows = (
        Invitation.objects.filter(pk__in=list(ids))
        .select_related("unit", "employee", "signature__document")
        .only(*ROW_FIELDS)
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def unit_totals(ceremony, unit_ids=None, *, units=None):
    """Invited and signed counts per unit (of the invitation), and the overall sums;
    only of ``unit_ids`` when given. ``units``, the agency's units if the caller
    has them, saves joining the unit table to 40,000 rows just for the names."""
    invitations = Invitation.objects.filter(ceremony=ceremony)
    if unit_ids is not None:
        invitations = invitations.filter(unit_id__in=unit_ids)
    counts = list(invitations.values("unit_id").annotate(invited=Count("id"), signed=Count("signature__id")).order_by())
    if units is None:
        units = Unit.objects.filter(pk__in=[row["unit_id"] for row in counts if row["unit_id"]]).only("id", "name")
    names = {unit.pk: unit.name for unit in units}
    rows = [
        {
            "unit_id": row["unit_id"],
            "name": names.get(row["unit_id"], ""),
            "invited": row["invited"],
            "signed": row["signed"],
            "unsigned": row["invited"] - row["signed"],
            "percent": percent(row["signed"], row["invited"]),
        }
        for row in counts
    ]
    # By name, invitations without a unit last.
    rows.sort(key=lambda row: (row["unit_id"] is None, row["name"].casefold()))
    invited = sum(row["invited"] for row in rows)
    signed = sum(row["signed"] for row in rows)
    overall = {
        "invited": invited,
        "signed": signed,
        "unsigned": invited - signed,
        "percent": percent(signed, invited),
    }
    return rows, overall


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else 0


def search_condition(query):
    """Name contains ``query``, or — when it holds at least four digits — the NIP
    or NIK contains those digits (people type NIPs with spaces)."""
    condition = Q(employee__name__icontains=query)
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 4:
        condition |= Q(employee__nip__contains=digits) | Q(employee__nik__contains=digits)
    return condition


def local_timestamp(moment, tz_name):
    """``2024-09-26 09:15:02 WIB``: sortable, unambiguous, in the agency's zone."""
    if moment is None:
        return ""
    local = in_zone(moment, tz_name)
    return f"{local:%Y-%m-%d %H:%M:%S} {ABBREVIATIONS.get(tz_name, '')}".strip()


RECAP_VALUES = (
    "employee__name",
    "employee__nip",
    "employee__nik",
    "employee__employment_type",
    "employee__rank",
    "unit__name",
    "signature__signed_at",
    "signature__verification_code",
)


def recap_rows(invitations, agency):
    """One plain dict per invitation, formatted for the recap (PDF, xlsx, csv).

    Reads ``invitations`` as a stream of tuples: 40,000 rows never become 160,000
    model instances."""
    types = dict(EmploymentType.choices)
    values = invitations.order_by(*ROW_ORDER).values_list(*RECAP_VALUES)
    for number, (name, nip, nik, employment_type, rank, unit, signed_at, code) in enumerate(
        values.iterator(chunk_size=2000), start=1
    ):
        yield {
            "no": number,
            "name": name,
            "nip": str(Identifier.of(nip, nik)),
            "unit": unit or "",
            "employment_type": str(types.get(employment_type, employment_type)),
            "rank": rank,
            "signed": signed_at is not None,
            "status": "Sudah" if signed_at is not None else "Belum",
            "signed_at": local_timestamp(signed_at, agency.time_zone),
            "verification_code": display_code(code) if code else "",
        }


def display_code(code):
    return f"{code[:5]}-{code[5:]}"


ARCHIVE_VALUES = (
    "signer",
    "signed_at",
    "verification_code",
    "invitation__unit_id",
    "invitation__unit__name",
    "document__file",
    "document__sha256",
    "document__size",
)


def archive_signatures(ceremony, unit_ids=None):
    """The signatures of a ceremony (or of some of its units) as tuples of what an
    archive entry needs (``ARCHIVE_VALUES``): the frozen identity, the time, the
    code, the unit and the stored PDF. Tuples, not model instances: an archive of
    36,000 pacts is laid out ~3 times faster."""
    signatures = Signature.objects.filter(invitation__ceremony=ceremony)
    if unit_ids is not None:
        signatures = signatures.filter(invitation__unit_id__in=unit_ids)
    return signatures.order_by(
        F("invitation__unit__name").asc(nulls_last=True), "invitation__employee__name", "pk"
    ).values_list(*ARCHIVE_VALUES)
