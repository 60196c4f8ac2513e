"""What a token may read, decided once: the agencies of ``ApiToken.agencies()`` (one
agency, or an auditor's supervised ones through ``Agency.objects.visible_to``), and
every list and object of the API found through them. Anything else is a 404 — another
agency's id looks exactly like a missing one."""

from django.shortcuts import get_object_or_404
from django.utils import timezone

from ceremonies.models import Ceremony, Invitation
from inspektorat import exports
from jobs.models import Job
from pledges.models import Signature

RECAP_KINDS = (exports.recap_pdf.name, exports.recap_table.name)
# What a signature's list and page show: never its drawn image, signed text or pact.
SIGNATURE_FIELDS = (
    "id",
    "invitation__id",
    "invitation__ceremony_id",
    "signer",
    "signed_at",
    "method",
    "verification_code",
    "document__id",
    "document__signature_id",
    "document__sha256",
    "document__size",
    "document__seal_level",
)
INVITATION_FIELDS = (
    "id",
    "ceremony_id",
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
)


def agency_ids(token):
    """The token's agencies' ids, read once per request."""
    if not hasattr(token, "_agency_ids"):
        if token.agency_id is not None:
            token._agency_ids = [token.agency_id]  # no query: the token names it
        else:
            token._agency_ids = list(token.agencies().values_list("pk", flat=True))
    return token._agency_ids


def ceremonies(token):
    return Ceremony.objects.filter(agency_id__in=agency_ids(token))


def ceremony(token, pk):
    return get_object_or_404(ceremonies(token).select_related("agency", "election"), pk=pk)


# A list's page is read in two steps: its keys (a narrow query the cursor seeks by
# index, ``*_keys``), then its rows by those keys (``*_rows``). Joined in one query,
# PostgreSQL merges the optional PDF (or signature) from the start of its index up
# to the cursor: a page's cost grew with its depth.


def invitation_keys(token, ceremony_id=None):
    """The token's invitations (of one ceremony: ``ceremony_id``, still within the
    token's agencies — a foreign id gives none), ids only."""
    found = Invitation.objects.filter(ceremony__agency_id__in=agency_ids(token))
    if ceremony_id is not None:
        found = found.filter(ceremony_id=ceremony_id)
    return found.only("id")


def invitation_rows(ids):
    rows = Invitation.objects.filter(pk__in=ids).with_destroyed_pact().select_related("employee", "unit", "signature")
    return list(rows.only(*INVITATION_FIELDS).order_by("id"))


def signature_keys(token, ceremony_id=None):
    """The token's signatures (of one ceremony: ``ceremony_id``, as for invitations), ids only."""
    found = Signature.objects.filter(invitation__ceremony__agency_id__in=agency_ids(token))
    if ceremony_id is not None:
        found = found.filter(invitation__ceremony_id=ceremony_id)
    return found.only("id")


def signatures(token):
    """The token's signatures with what the API shows of them."""
    return signature_keys(token).select_related("invitation", "document").only(*SIGNATURE_FIELDS)


def signature_rows(ids):
    rows = Signature.objects.filter(pk__in=ids).select_related("invitation", "document")
    return list(rows.only(*SIGNATURE_FIELDS).order_by("id"))


def signature(token, pk):
    return get_object_or_404(signatures(token), pk=pk)


def recaps(ceremony):
    """The ceremony's finished recap files (made on the Inspektorat's pages) that may
    still be downloaded."""
    return (
        Job.objects.filter(kind__in=RECAP_KINDS, agency=ceremony.agency, params__ceremony=ceremony.pk)
        .filter(status=Job.Status.DONE, expires_at__gt=timezone.now())
        .exclude(file="")
    )
