"""Public pages: signing (personal link or apel QR), confirmation, verification.

None of them needs an account. The personal link is the invitation's random
token; the apel page asks for NIP and the personal code. Everything a stranger
can try is rate-limited.
"""

import hmac
import time

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_save
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from ceremonies.models import PERSONAL_CODE_LENGTH, Ceremony, Election, Invitation
from netralitas.lib.http import client_ip
from netralitas.lib.limits import FailureLimit, count_failure, minutes, refusing
from netralitas.lib.tokens import group_code, normalise_code
from pledges import evidence
from pledges.documents import document_response
from pledges.forms import ApelLoginForm, SignForm, VerifyLookupForm
from pledges.models import PactDocument, PactTemplate, Signature, StorageFinding
from pledges.pact_text import identity_preview
from pledges.sealed import sealed_facts
from pledges.services import SigningClosed, signature_create
from roster.models import Agency, Employee, Unit

APEL_SESSION_KEY = "apel_invitations"
# Hundreds of phones at one apel share one public address (office Wi-Fi, carrier NAT),
# so only FAILURES are counted — a valid personal link (a 256-bit secret) and a correct
# NIP + code never are — and in one-minute windows, so that nobody's mistakes (or
# malice) keep anyone out for longer than a minute; the arithmetic that keeps guessing
# a personal code infeasible is in docs/architecture.md ("Bad input"):
SIGN_UNKNOWN_RATE = "60/m"  # unknown signing links from one address
APEL_NIP_FAILURE_RATE = "5/m"  # wrong codes for one NIP of one ceremony, from one address
APEL_NIP_ALL_FAILURE_RATE = "30/m"  # … from every address together (six addresses at least to reach it)
APEL_CLIENT_FAILURE_RATE = "100/m"  # wrong NIP/code on one ceremony from one address (a whole apel's typos)
NIP_REFUSED = gettext_lazy("Terlalu banyak kode salah untuk NIP ini: tunggu %(minutes)s menit, lalu coba lagi.")
ADDRESS_REFUSED = gettext_lazy(
    "Terlalu banyak percobaan yang gagal dari jaringan ini: tunggu %(minutes)s menit, lalu coba lagi."
)
# What an apel login's code is compared with when no invitation has the NIP: the length
# of a real code, in characters no normalised code contains.
_NO_CODE = "\0" * PERSONAL_CODE_LENGTH
# Ceremonies' agency, election and pact text, kept per process this long: signing
# reads them on every request; the status and window are read fresh every time.
CEREMONY_PIECES_SECONDS = 5
_ceremony_pieces = {}


def _forget_ceremony_pieces(**kwargs):
    _ceremony_pieces.clear()


for _model in (Ceremony, Agency, Election, PactTemplate):
    post_save.connect(_forget_ceremony_pieces, sender=_model, dispatch_uid=f"pledges-pieces-{_model.__name__}")


_LOOKUP_MODELS = (Invitation, Ceremony, Employee, Unit)
_lookup = None


def _lookup_query():
    """The SQL and, per model, its fields and their database converters — built once."""
    quote = connection.ops.quote_name
    table = {model: quote(model._meta.db_table) for model in _LOOKUP_MODELS}
    columns, plan = [], []
    for model in _LOOKUP_MODELS:
        fields = []
        for field in model._meta.concrete_fields:
            columns.append(f"{table[model]}.{quote(field.column)}")
            col = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            fields.append((field.attname, converters, col))
        plan.append((model, fields))
    sql = (
        f"SELECT {', '.join(columns)} FROM {table[Invitation]}"
        f" INNER JOIN {table[Ceremony]} ON {table[Invitation]}.ceremony_id = {table[Ceremony]}.id"
        f" INNER JOIN {table[Employee]} ON {table[Invitation]}.employee_id = {table[Employee]}.id"
        f" LEFT OUTER JOIN {table[Unit]} ON {table[Invitation]}.unit_id = {table[Unit]}.id"
        f" WHERE {table[Invitation]}.token = %s"
    )
    return sql, plan


def _invitation_row(token):
    """The invitation, its ceremony, employee and unit in one query whose SQL is built
    once per process: for the few columns of four tables, the ORM's per-call
    compilation of a ``select_related`` cost more than the query itself."""
    global _lookup
    if _lookup is None:
        _lookup = _lookup_query()
    sql, plan = _lookup
    with connection.cursor() as cursor:
        cursor.execute(sql, [token])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for model, fields in plan:
        values = list(row[start : start + len(fields)])
        start += len(fields)
        if values[0] is None:  # an invitation without a unit
            objects.append(None)
            continue
        for index, (_attname, converters, col) in enumerate(fields):
            for convert in converters:
                values[index] = convert(values[index], col, connection)
        objects.append(model.from_db(connection.alias, [field[0] for field in fields], values))
    invitation, ceremony, employee, unit = objects
    invitation.ceremony, invitation.employee, invitation.unit = ceremony, employee, unit
    return invitation


def _invitation_for_token(token):
    """The invitation with what signing needs: its ceremony (fresh: status and window),
    employee and unit in one query; the ceremony's agency, election and pact template
    from a short per-process cache (``CEREMONY_PIECES_SECONDS``)."""
    invitation = _invitation_row(token)
    if invitation is None:
        return None
    ceremony = invitation.ceremony
    key = (ceremony.pk, ceremony.agency_id, ceremony.election_id, ceremony.pact_template_id)
    now = time.monotonic()
    cached = _ceremony_pieces.get(key)
    if cached is None or cached[0] < now:
        pieces = Ceremony.objects.select_related("agency", "election", "pact_template").get(pk=ceremony.pk)
        cached = (now + CEREMONY_PIECES_SECONDS, pieces.agency, pieces.election, pieces.pact_template)
        if len(_ceremony_pieces) > 100:
            _ceremony_pieces.clear()
        _ceremony_pieces[key] = cached
    _expires, ceremony.agency, ceremony.election, ceremony.pact_template = cached
    if invitation.employee.agency_id == ceremony.agency_id:
        invitation.employee.agency = ceremony.agency
    return invitation


def _signature_for(invitation):
    return Signature.objects.select_related("document").defer("image").filter(invitation=invitation).first()


def _signature_by_code(code):
    return (
        Signature.objects.select_related(
            "invitation__ceremony__agency",
            "invitation__ceremony__election",
            "invitation__employee__agency",
            "invitation__unit",
            "document",
        )
        .defer("image")
        .filter(verification_code=normalise_code(code))
        .first()
    )


def _not_found(request, message):
    return render(request, "pledges/not_found.html", {"message": message}, status=404)


def _closed(request, ceremony, state):
    return render(request, "pledges/closed.html", {"ceremony": ceremony, "agency": ceremony.agency, "state": state})


def _unknown_link(request):
    """A link that is no invitation's: counted against the address, 429 past the rate."""
    if is_ratelimited(request, group="sign-unknown", key="ip", rate=SIGN_UNKNOWN_RATE, method=ALL, increment=True):
        raise Ratelimited()
    return _not_found(request, _("Tautan penandatanganan ini tidak dikenal. Periksa kembali tautan atau QR Anda."))


def _confirmation(request, signature, ceremony):
    return render(
        request,
        "pledges/confirmation.html",
        {"signature": signature, "ceremony": ceremony, "agency": ceremony.agency},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign(request, token):
    """The personal signing page; after signing, the same link shows the confirmation.

    A valid submit costs one lookup and one transaction: the database's unique
    constraint, not a SELECT before the INSERT, decides that a link signs once."""
    invitation = _invitation_for_token(token)
    if invitation is None:
        return _unknown_link(request)
    ceremony = invitation.ceremony
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        via_apel = invitation.pk in request.session.get(APEL_SESSION_KEY, [])
        try:
            signature_create(
                invitation=invitation,
                image_png=form.signature_png,
                method=Signature.Method.APEL if via_apel else Signature.Method.LINK,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except SigningClosed as closed:
            signature = _signature_for(invitation)
            if signature is not None:
                return _confirmation(request, signature, ceremony)
            return _closed(request, ceremony, closed.state)
        return redirect("pledges:sign", token=token)

    signature = _signature_for(invitation)
    if signature is not None:
        return _confirmation(request, signature, ceremony)
    state = ceremony.signing_state()
    if state != Ceremony.SigningState.OPEN:
        return _closed(request, ceremony, state)
    return render(
        request,
        "pledges/sign.html",
        {
            "invitation": invitation,
            "ceremony": ceremony,
            "agency": ceremony.agency,
            "identity": identity_preview(invitation),
            "pact": ceremony.pact_template.render(ceremony.election),
            "form": form,
        },
    )


@never_cache
@require_GET
def pdf_status(request, token):
    """The confirmation page's poll: a few bytes of JSON, one indexed query — is the
    signed PDF ready, and where. An unknown link is a 404 like the page's."""
    row = Signature.objects.filter(invitation__token=token).values_list("document__pk", flat=True).first()
    if row is None and not Invitation.objects.filter(token=token).exists():
        return _unknown_link(request)
    ready = row is not None
    return JsonResponse({"ready": ready, "url": reverse("pledges:document", args=[token]) if ready else None})


@never_cache
@require_http_methods(["GET", "POST"])
def apel(request, apel_token):
    """The apel QR's page: NIP plus personal code lead to the personal signing page.

    An unknown NIP and a wrong code get the same answer, in the same time. Only
    failures count against the limits: per NIP (from one address) and per address;
    a correct NIP + code is never refused because of other people's mistakes."""
    ceremony = Ceremony.objects.select_related("agency", "election").filter(apel_token=apel_token).first()
    if ceremony is None:
        return _not_found(request, _("Tautan apel ini tidak dikenal. Pindai kembali QR di lokasi apel."))
    state = ceremony.signing_state()
    if state != Ceremony.SigningState.OPEN:
        return _closed(request, ceremony, state)

    form = ApelLoginForm(request.POST or None)
    if request.method == "POST":
        valid = form.is_valid()
        limits = _apel_limits(apel_token, form.cleaned_data["nip"] if valid else None, client_ip(request))
        refused = refusing(request, limits)
        if refused is not None:
            limit, seconds = refused
            form = ApelLoginForm(initial={"nip": request.POST.get("nip", "")})
            context = {"ceremony": ceremony, "agency": ceremony.agency, "form": form}
            context["refusal"] = limit.refusal % {"minutes": minutes(seconds)}
            return render(request, "pledges/apel.html", context, status=429)
        if valid:
            match = _apel_match(ceremony, form.cleaned_data["nip"], form.cleaned_data["code"])
            if match is not None:
                pk, token = match
                request.session.cycle_key()
                allowed = request.session.get(APEL_SESSION_KEY, [])
                request.session[APEL_SESSION_KEY] = [*allowed[-9:], pk]
                return redirect("pledges:sign", token=token)
            form.add_error(
                None, _("NIP atau kode pribadi tidak cocok dengan undangan apel ini. Periksa lalu coba lagi.")
            )
        count_failure(request, limits)
    return render(request, "pledges/apel.html", {"ceremony": ceremony, "agency": ceremony.agency, "form": form})


def _apel_limits(apel_token, nip, address):
    """What a failed apel login counts against: the NIP from this address, the NIP from
    everywhere, this address — on this ceremony. A form too malformed to name a NIP
    counts against the address only."""
    limits = [FailureLimit("apel-client-failure", f"{apel_token}:{address}", APEL_CLIENT_FAILURE_RATE, ADDRESS_REFUSED)]
    if nip is not None:
        limits[:0] = [
            FailureLimit("apel-nip-failure", f"{apel_token}:{nip}:{address}", APEL_NIP_FAILURE_RATE, NIP_REFUSED),
            FailureLimit("apel-nip-all-failure", f"{apel_token}:{nip}", APEL_NIP_ALL_FAILURE_RATE, NIP_REFUSED),
        ]
    return limits


def _apel_match(ceremony, identifier, code):
    """``(pk, token)`` of the invitation whose NIP (or NIK) and code match, else ``None`` —
    by the same work whether the NIP is invited or not (a difference in time would tell
    who is): one query of one shape that reads values only, and a constant-time
    comparison against a code of the same length, a placeholder no typed code can equal
    when there is no row."""
    field = "employee__nip" if len(identifier) == 18 else "employee__nik"
    row = (
        Invitation.objects.filter(ceremony_id=ceremony.pk, **{field: identifier})
        .values_list("pk", "token", "code")
        .first()
    )
    pk, token, expected = row or (None, None, _NO_CODE)
    matches = hmac.compare_digest(expected.encode(), code.encode())
    return (pk, token) if matches and row is not None else None


VERIFY_RATE = "60/m"  # look-ups from one address; a code has 30^10 values


@ratelimit(key="ip", rate=VERIFY_RATE, block=True)
def verify(request, code):
    """Public verification of a signed pact by its code (the QR on the PDF): genuine
    and intact or not, by whom (masked) and when, at which apel — as sealed, with a
    note where today's names differ (``pledges.sealed``). The PDF itself, with the full NIP
    and the drawn signature, is for the signer (``document``) and staff."""
    signature = _signature_by_code(code)
    if signature is None:
        form = VerifyLookupForm({"code": code})
        if form.is_valid():
            form.add_error("code", _not_found_message(group_code(form.cleaned_data["code"])))
        return _lookup_page(request, form, status=404)
    document = getattr(signature, "document", None)
    pdf_state = None
    if document is not None:
        pdf_state = evidence.check(document, StorageFinding.During.VERIFICATION, request=request).state
    return render(
        request,
        "pledges/verify.html",
        {
            "signature": signature,
            "ceremony": signature.invitation.ceremony,
            "agency": signature.invitation.ceremony.agency,
            "facts": sealed_facts(signature),
            "intact": signature.is_intact() and pdf_state in (None, PactDocument.FileState.INTACT),
            "pdf_missing": pdf_state == PactDocument.FileState.MISSING,
        },
    )


@never_cache
@ratelimit(key="ip", rate="30/m", block=True)
def document(request, token):
    """The signed PDF for its signer, through the personal link (the apel QR leads to
    the same link). Whoever holds only a verification code sees ``verify``."""
    invitation = Invitation.objects.filter(token=token).only("pk").first()
    signature = _signature_for(invitation) if invitation is not None else None
    document = getattr(signature, "document", None) if signature is not None else None
    if document is None:
        return _not_found(request, _("PDF pakta untuk tautan ini tidak ada atau belum selesai dibuat."))
    return document_response(request, document)


@ratelimit(key="ip", rate=VERIFY_RATE, block=True)
def verify_lookup(request):
    """The form where someone types a code read off a printed pact. A code that is
    mistyped or unknown gets the form back with the code as typed and a message."""
    form = VerifyLookupForm(request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        if Signature.objects.filter(verification_code=code).exists():
            return redirect("pledges:verify", code=code)
        form.add_error("code", _not_found_message(group_code(code)))
    return _lookup_page(request, form)


def _not_found_message(code):
    return _("Kode verifikasi %(code)s tidak ditemukan. Periksa kembali kode pada dokumen.") % {"code": code}


def _lookup_page(request, form, status=200):
    return render(
        request, "pledges/verify_lookup.html", {"form": form, "site": settings.PUBLIC_BASE_URL}, status=status
    )
