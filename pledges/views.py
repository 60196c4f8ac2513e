"""Public pages: signing (personal link or apel QR), confirmation, verification.

None of them needs an account. The personal link is the invitation's random
token; the apel page asks for NIP and the personal code. Everything a stranger
can try is rate-limited.
"""

import hmac

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage, is_ratelimited
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from ceremonies.models import Ceremony, Invitation
from netralitas.lib.http import client_ip
from netralitas.lib.tokens import group_code, new_code, normalise_code
from pledges.documents import document_response
from pledges.forms import ApelLoginForm, SignForm, VerifyLookupForm
from pledges.models import PactDocument, Signature
from pledges.pact_text import identity_preview
from pledges.services import SigningClosed, signature_create

APEL_SESSION_KEY = "apel_invitations"
# Hundreds of phones at one apel may share one public address (office Wi-Fi, carrier
# NAT): limits on all requests are loose, limits on failures are tight.
SIGN_CLIENT_RATE = "600/m"  # submits from one address; the link itself is a 256-bit secret
APEL_CLIENT_RATE = "600/m"  # all attempts from one address
APEL_CLIENT_FAILURE_RATE = "20/m"  # wrong NIP/code from one address
APEL_CEREMONY_FAILURE_RATE = "120/m"  # wrong NIP/code on one ceremony, all clients together


def _invitation_for_token(token):
    return (
        Invitation.objects.select_related(
            "ceremony__agency",
            "ceremony__election",
            "ceremony__pact_template",
            "employee__agency",
            "unit",
        )
        .filter(token=token)
        .first()
    )


def _signature_for(invitation):
    return Signature.objects.select_related("document").defer("image").filter(invitation=invitation).first()


def _signature_by_code(code):
    return (
        Signature.objects.select_related("invitation__ceremony__agency", "invitation__ceremony__election", "document")
        .defer("image")
        .filter(verification_code=normalise_code(code))
        .first()
    )


def _not_found(request, message):
    return render(request, "pledges/not_found.html", {"message": message}, status=404)


def _closed(request, ceremony, state):
    return render(request, "pledges/closed.html", {"ceremony": ceremony, "agency": ceremony.agency, "state": state})


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=SIGN_CLIENT_RATE, method="POST", block=True)
def sign(request, token):
    """The personal signing page; after signing, the same link shows the confirmation."""
    invitation = _invitation_for_token(token)
    if invitation is None:
        return _not_found(request, _("Tautan penandatanganan ini tidak dikenal. Periksa kembali tautan atau QR Anda."))
    ceremony = invitation.ceremony
    signature = _signature_for(invitation)
    if signature is not None:
        return render(
            request,
            "pledges/confirmation.html",
            {"signature": signature, "ceremony": ceremony, "agency": ceremony.agency},
        )
    state = ceremony.signing_state()
    if state != Ceremony.SigningState.OPEN:
        return _closed(request, ceremony, state)

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
            return _closed(request, ceremony, closed.state)
        return redirect("pledges:sign", token=token)
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
@require_http_methods(["GET", "POST"])
def apel(request, apel_token):
    """The apel QR's page: NIP plus personal code lead to the personal signing page.

    An unknown NIP and a wrong code get the same answer, in the same time."""
    ceremony = Ceremony.objects.select_related("agency", "election").filter(apel_token=apel_token).first()
    if ceremony is None:
        return _not_found(request, _("Tautan apel ini tidak dikenal. Pindai kembali QR di lokasi apel."))
    state = ceremony.signing_state()
    if state != Ceremony.SigningState.OPEN:
        return _closed(request, ceremony, state)

    form = ApelLoginForm(request.POST or None)
    if request.method == "POST":
        # Failures are what is limited, per address and per ceremony (see the rates above).
        ceremony_key = lambda group, req: apel_token  # noqa: E731
        _limit(request, group="apel-client", key="ip", rate=APEL_CLIENT_RATE, increment=True)
        _limit_failures(request, group="apel-client-failure", key="ip", rate=APEL_CLIENT_FAILURE_RATE)
        _limit_failures(request, group="apel-ceremony-failure", key=ceremony_key, rate=APEL_CEREMONY_FAILURE_RATE)
        if form.is_valid():
            invitation = _apel_match(ceremony, form.cleaned_data["nip"], form.cleaned_data["code"])
            if invitation is not None:
                request.session.cycle_key()
                allowed = request.session.get(APEL_SESSION_KEY, [])
                request.session[APEL_SESSION_KEY] = [*allowed[-9:], invitation.pk]
                return redirect("pledges:sign", token=invitation.token)
            form.add_error(
                None, _("NIP atau kode pribadi tidak cocok dengan undangan apel ini. Periksa lalu coba lagi.")
            )
        for group, key, rate in (
            ("apel-client-failure", "ip", APEL_CLIENT_FAILURE_RATE),
            ("apel-ceremony-failure", ceremony_key, APEL_CEREMONY_FAILURE_RATE),
        ):
            is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)
    return render(request, "pledges/apel.html", {"ceremony": ceremony, "agency": ceremony.agency, "form": form})


def _apel_match(ceremony, identifier, code):
    field = "employee__nip" if len(identifier) == 18 else "employee__nik"
    invitation = ceremony.invitations.filter(**{field: identifier}).only("pk", "token", "code").first()
    # Compare against a throw-away code when the NIP is unknown, so both answers take as long.
    expected = invitation.code if invitation is not None else new_code(len(code) or 6)
    matches = hmac.compare_digest(expected.encode(), code.encode())
    return invitation if matches and invitation is not None else None


def _limit(request, **kwargs):
    if is_ratelimited(request, method="POST", **kwargs):
        raise Ratelimited()


def _limit_failures(request, **kwargs):
    """Refuse once the failures counted so far reach the rate's limit."""
    usage = get_usage(request, method="POST", **kwargs)
    if usage is not None and usage["count"] >= usage["limit"]:
        raise Ratelimited()


VERIFY_RATE = "60/m"  # look-ups from one address; a code has 30^10 values


@ratelimit(key="ip", rate=VERIFY_RATE, block=True)
def verify(request, code):
    """Public verification of a signed pact by its code (the QR on the PDF): genuine
    and intact or not, by whom (masked) and when. The PDF itself, with the full NIP
    and the drawn signature, is for the signer (``document``) and staff."""
    signature = _signature_by_code(code)
    if signature is None:
        form = VerifyLookupForm({"code": code})
        if form.is_valid():
            form.add_error("code", _not_found_message(group_code(form.cleaned_data["code"])))
        return _lookup_page(request, form, status=404)
    document = getattr(signature, "document", None)
    pdf_state = document.file_state() if document is not None else None
    return render(
        request,
        "pledges/verify.html",
        {
            "signature": signature,
            "ceremony": signature.invitation.ceremony,
            "agency": signature.invitation.ceremony.agency,
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
