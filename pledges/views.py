"""Public pages: signing (personal link or apel QR), confirmation, verification — and
one person's data package (UU PDP), which the signer takes from the personal link and
an operator asks for from the employee's page.

None of them needs an account. The personal link is the invitation's random
token; the apel page asks for NIP and the personal code. Everything a stranger
can try is rate-limited.
"""

import hmac

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from audit.log import record, record_for
from audit.models import AuditEvent
from ceremonies.models import PERSONAL_CODE_LENGTH, Ceremony, Invitation
from netralitas.lib.http import client_ip
from netralitas.lib.limits import FailureLimit, count_failure, minutes, refusing
from netralitas.lib.tokens import group_code, normalise_code
from pledges import evidence, pact_text, personal_data
from pledges.documents import document_response
from pledges.forms import ApelLoginForm, SignForm, VerifyLookupForm
from pledges.models import DestroyedPact, PactDocument, Signature, StorageFinding
from pledges.sealed import sealed_facts
from pledges.services import SigningClosed, SubmissionConflict, TextChanged, signature_create
from roster.access import employee_for_user, operator_required
from roster.models import Agency

APEL_SESSION_KEY = "apel_invitations"
MY_DATA_TAKEN = gettext_lazy("Pegawai mengunduh paket data pribadinya lewat tautan pribadi (UU PDP)")
DATA_REQUESTED = gettext_lazy("Meminta paket data pribadi pegawai %(name)s (UU PDP)")
SIGNER_ACTOR = "pegawai (tautan pribadi)"
SIGNED_LATE = gettext_lazy(
    "Tanda tangan diterima terlambat dalam masa tenggang apel: diterima server %(received)s, "
    "menurut perangkat dikirim %(claimed)s"
)
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


def _destroyed_by_code(code):
    """The tombstone of a pact destroyed per the retention schedule (``privacy.retention``)."""
    return (
        DestroyedPact.objects.select_related("destruction__agency")
        .filter(verification_code=normalise_code(code))
        .first()
    )


def _not_found(request, message):
    return _not_found_status(request, message, 404)


def _not_found_status(request, message, status):
    return render(request, "pledges/not_found.html", {"message": message}, status=status)


def record_late(request, signature):
    """The trail notes a signature taken after the close, within the apel's grace for
    late arrivals: the server's receipt and the device's claimed time, side by side."""
    record_for(
        None,
        client_ip(request),
        AuditEvent.Action.CREATE,
        signature,
        SIGNED_LATE,
        actor_name=SIGNER_ACTOR,
        received=timezone.localtime(signature.signed_at).isoformat(timespec="seconds"),
        claimed=timezone.localtime(signature.claimed_at).isoformat(timespec="seconds"),
    )


def _closed(request, ceremony, state, refused=None):
    """The window is not open. ``refused``: the submission that came too late (its
    drawing, the device's claimed time, the server's receipt time) — shown back to the
    signer with the reason, so that nothing they did disappears without a word."""
    context = {"ceremony": ceremony, "agency": ceremony.agency, "state": state, "refused": refused}
    return render(request, "pledges/closed.html", context)


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

    The page sends back the text format and the SHA-256 of the text it showed; the POST
    seals exactly that text, or — when it can no longer be signed as shown — signs
    nothing and shows the text as it is now, the drawing kept. A valid submit costs one
    lookup and one transaction: the database's unique constraint, not a SELECT before
    the INSERT, decides that a link signs once."""
    invitation = Invitation.objects.for_signing(token)
    if invitation is None:
        return _unknown_link(request)
    ceremony = invitation.ceremony
    form = SignForm(request.POST or None)
    text_changed = False
    if request.method == "POST" and form.is_valid():
        via_apel = invitation.pk in request.session.get(APEL_SESSION_KEY, [])
        received_at = timezone.now()
        try:
            signature, created = signature_create(
                invitation=invitation,
                shown=form.shown,
                image_png=form.signature_png,
                method=Signature.Method.APEL if via_apel else Signature.Method.LINK,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                now=received_at,
                submission_id=form.cleaned_data["submission_id"],
                claimed_at=form.claimed_at,
            )
        except SigningClosed as closed:
            signature = _signature_for(invitation)
            if signature is not None:
                return _confirmation(request, signature, ceremony)
            refused = {
                "drawing": form.cleaned_data["signature"],
                "claimed_at": form.claimed_at,
                "received_at": received_at,
            }
            return _closed(request, ceremony, closed.state, refused)
        except SubmissionConflict:
            message = _("Kiriman ini sudah tercatat untuk tautan lain. Muat ulang halaman lalu tanda tangani lagi.")
            return _not_found_status(request, message, 409)
        except TextChanged:
            signature = _signature_for(invitation)
            if signature is not None:
                return _confirmation(request, signature, ceremony)
            # Read again and agree again; the drawing stays in the box.
            text_changed = True
            form = SignForm(initial={"signature": form.cleaned_data["signature"]})
        else:
            if created and signature.arrived_late:
                record_late(request, signature)
            # Back to this same link (its page now shows the confirmation): the path as
            # it came, no URL resolved again.
            return HttpResponseRedirect(request.path)

    if not text_changed:
        signature = _signature_for(invitation)
        if signature is not None:
            return _confirmation(request, signature, ceremony)
    state = ceremony.signing_state()
    if state != Ceremony.SigningState.OPEN:
        return _closed(request, ceremony, state)
    draft = pact_text.draft(invitation)
    return render(
        request,
        "pledges/sign.html",
        {
            "invitation": invitation,
            "ceremony": ceremony,
            "agency": ceremony.agency,
            "draft": draft,
            "identity": draft.identity(),
            "pact": draft.pact,
            "form": form,
            "text_changed": text_changed,
        },
    )


@never_cache
@require_GET
def service_worker(request):
    """The personal links' service worker (scope ``/t/``, ``static/js/offline.js``
    registers it): keeps a submit that found no network and answers a reload from the
    page the signer saw. A template only for its static file's name and one sentence."""
    context = {"offline_message": _("Tidak ada sinyal. Buka kembali tautan ini saat sinyal kembali.")}
    return render(request, "pledges/service_worker.js", context, content_type="text/javascript; charset=utf-8")


@never_cache
@require_GET
def my_data(request, token):
    """The signer's own data package (UU PDP), from the personal link: every record about
    them, nothing about anyone else (``pledges.personal_data``). A few rows and files of
    one person: made in the request. Recorded in the trail."""
    invitation = Invitation.objects.select_related("employee__agency", "employee__unit").filter(token=token).first()
    if invitation is None:
        return _unknown_link(request)
    employee = invitation.employee
    package = personal_data.package_bytes(employee)
    record_for(None, client_ip(request), AuditEvent.Action.DOWNLOAD, employee, MY_DATA_TAKEN, actor_name=SIGNER_ACTOR)
    response = HttpResponse(package, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{personal_data.package_name(employee)}"'
    return response


@operator_required
@require_POST
def employee_data(request, pk):
    """An operator asks for one employee's data package: a background job, recorded."""
    employee = employee_for_user(request.user, pk)
    job = personal_data.start_personal_data(request, employee)
    record(request, AuditEvent.Action.DOWNLOAD, employee, DATA_REQUESTED, name=employee.name)
    return redirect(job)


@require_GET
def privacy(request, agency_id):
    """An agency's full notice on the personal data of signing (UU PDP), linked from every
    signing page: who processes what, why, who sees it, how long, the person's rights and
    whom to ask."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return _not_found(request, _("Instansi ini tidak dikenal."))
    return render(request, "pledges/privacy.html", {"agency": agency})


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
        destroyed = _destroyed_by_code(code)
        if destroyed is not None:
            return render(
                request, "pledges/destroyed.html", {"pact": destroyed, "agency": destroyed.destruction.agency}
            )
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
        if (
            Signature.objects.filter(verification_code=code).exists()
            or DestroyedPact.objects.filter(verification_code=code).exists()
        ):
            return redirect("pledges:verify", code=code)
        form.add_error("code", _not_found_message(group_code(code)))
    return _lookup_page(request, form)


def _not_found_message(code):
    return _("Kode verifikasi %(code)s tidak ditemukan. Periksa kembali kode pada dokumen.") % {"code": code}


def _lookup_page(request, form, status=200):
    return render(
        request, "pledges/verify_lookup.html", {"form": form, "site": settings.PUBLIC_BASE_URL}, status=status
    )
