"""The invitation lists the Inspektorat reads, built so that their cost does not
grow with the ceremony: one query for a page of rows, one for the totals per
unit, and chunked reads for recaps and archives.

The signature's drawn image (a BinaryField), its text and its JSON snapshots are
never loaded here: a list only needs the time and the verification code.
"""

from django.db.models import F
from django.db.models.fields.json import KT

from ceremonies.models import Invitation, destroyed_status
from netralitas.lib.chunks import in_chunks
from netralitas.lib.dates import tanggal, tanggal_pukul, zone_abbreviation
from netralitas.lib.tokens import group_code
from pledges.models import Signature
from roster.identity import Identifier
from roster.models import EmploymentType

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


def agency_units(agency):
    """The agency's units, for the unit filter and sub-unit lookups (one query)."""
    return agency.units.only("id", "name", "parent_id", "agency_id").order_by("name")


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
        .with_destroyed_pact()
        .select_related("unit", "employee", "signature__document")
        .only(*ROW_FIELDS)
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


# One column for every kind of identity number, each cell naming its kind (``Identifier.labelled``).
IDENTITY_HEADING = "NIP / NI PPPK / NIK"
RECAP_VALUES = (
    "employee__name",
    "employee__nip",
    "employee__nik",
    "employee__employment_type",
    "employee__rank",
    "unit__name",
    "signature__signed_at",
    "signature__verification_code",
    "pact_destroyed_at",
    "destroyed_signed_at",
    "destroyed_code",
)


def recap_time_heading(agency):
    """The recap's time column names the zone once: ``Waktu tanda tangan (WITA)``."""
    return f"Waktu tanda tangan ({zone_abbreviation(agency.time_zone)})"


def recap_rows(invitations, agency):
    """One plain dict per invitation, formatted for the recap (PDF, xlsx, csv): the
    identity with its kind (NIP, NI PPPK or NIK — one column holds all three), the
    time as officials write it in the agency's zone (the zone in the heading,
    :func:`recap_time_heading`). A pact the retention schedule destroyed counts as
    signed, its time and code from its tombstone, its status saying so with the date.

    Reads ``invitations`` as tuples, a chunk at a time (``netralitas.lib.chunks``):
    40,000 rows never become 160,000 model instances, nor one list."""
    types = {value: str(label) for value, label in EmploymentType.choices}  # translated once, not per row
    values = invitations.with_destroyed_pact().order_by(*ROW_ORDER).values_list(*RECAP_VALUES)
    for number, row in enumerate(in_chunks(values), start=1):
        name, nip, nik, employment_type, rank, unit, signed_at, code, destroyed_at, destroyed_signed_at, tomb = row
        if destroyed_at is not None:
            signed_at, code = destroyed_signed_at, tomb
        yield {
            "no": number,
            "name": name,
            "identity": Identifier.of_type(nip, nik, employment_type).labelled,
            "unit": unit or "",
            "employment_type": types.get(employment_type, employment_type),
            "rank": rank,
            "signed": signed_at is not None,
            "destroyed_on": tanggal(destroyed_at, agency.time_zone) if destroyed_at is not None else "",
            "status": (
                destroyed_status(destroyed_at, agency.time_zone)
                if destroyed_at is not None
                else "Sudah"
                if signed_at is not None
                else "Belum"
            ),
            "signed_at": tanggal_pukul(signed_at, agency.time_zone),
            "verification_code": group_code(code),
        }


ARCHIVE_VALUES = (
    "signer_name",
    "signer_id_label",
    "signer_id_number",
    "signed_at",
    "verification_code",
    "invitation__unit_id",
    "invitation__unit__name",
    "document__pk",
    "document__file",
    "document__sha256",
)


def archive_signatures(ceremony, unit_ids=None):
    """The signatures of a ceremony (or of some of its units) as tuples of what an
    archive entry needs (``ARCHIVE_VALUES``): the frozen name and identity number,
    the time, the code, the unit and the stored PDF. Tuples of text, not model
    instances nor the whole frozen identity: an archive of 36,000 pacts is laid out
    several times faster."""
    signatures = Signature.objects.filter(invitation__ceremony=ceremony)
    if unit_ids is not None:
        signatures = signatures.filter(invitation__unit_id__in=unit_ids)
    return (
        signatures.annotate(
            signer_name=KT("signer__name"),
            signer_id_label=KT("signer__id_label"),
            signer_id_number=KT("signer__id_number"),
        )
        .order_by(F("invitation__unit__name").asc(nulls_last=True), "invitation__employee__name", "pk")
        .values_list(*ARCHIVE_VALUES)
    )
