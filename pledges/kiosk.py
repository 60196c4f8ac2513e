"""The apel kiosk: a tablet or laptop at the apel where those without a phone sign with
NIP and personal code (docs/architecture.md, "The apel kiosk").

An operator starts it from the apel page on the device itself: the device leaves the
operator's staff session and gets a kiosk session of its own (a cookie with a random
token, ``pledges.models.Kiosk``) that can do nothing but sign for that apel; the apel
page revokes it; unused for ``Kiosk.IDLE`` it is over. Between two signers nothing of
the first is left: every page is ``no-store``, the signing step comes into the start
page's place (``static/js/kiosk.js``) and ends with ``location.replace`` onto a blank
start page that also clears the origin's storage (``Clear-Site-Data``), the forms do not
autofill, and no session or other cookie is written. Wrong NIP/code count per kiosk as
they count per address on the apel QR's page (a kiosk is one address by nature).
"""

import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.core import signing
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from audit.log import record
from audit.models import AuditEvent
from ceremonies.access import ceremony_for_user
from ceremonies.models import Ceremony, Invitation
from netralitas.lib.http import client_ip
from netralitas.lib.limits import count_failure, minutes, refusing
from netralitas.lib.text import VisibleTextFormMixin
from pledges import pact_text
from pledges.forms import ApelLoginForm, SignForm
from pledges.models import Kiosk, Signature, kiosk_token_hash
from pledges.services import SigningClosed, TextChanged, signature_create
from pledges.views import _apel_limits, _apel_match
from roster.access import operator_required
from roster.login_limits import KNOWN_BROWSER_COOKIE

COOKIE = "netralitas_kiosk"
TICKET_SALT = "pledges.kiosk.ticket"
TICKET_SECONDS = 15 * 60  # one signer's time at the kiosk, at most
STARTED = gettext_lazy("Memulai kios apel “%(name)s”")
REVOKED = gettext_lazy("Mencabut kios apel “%(name)s”")


class KioskStartForm(VisibleTextFormMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nama kios"),
        max_length=80,
        help_text=gettext_lazy("Mis. “Meja 1 — Aula”. Tercatat pada setiap tanda tangan di kios ini."),
    )


@operator_required
@require_POST
def start(request, pk):
    """Turn this device into a kiosk of apel ``pk``: the staff session ends here."""
    ceremony = ceremony_for_user(request.user, pk)
    form = KioskStartForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("name", []):
            messages.error(request, _("Kios tidak dimulai: %(reason)s") % {"reason": error})
        return redirect(ceremony)
    token = secrets.token_urlsafe(32)
    kiosk = Kiosk.objects.create(
        ceremony=ceremony,
        name=form.cleaned_data["name"],
        token_sha256=kiosk_token_hash(token),
        started_by=request.user,
        last_seen_at=timezone.now(),
    )
    record(request, AuditEvent.Action.CREATE, kiosk, STARTED, name=kiosk.name)
    logout(request)
    response = HttpResponseRedirect(reverse("pledges:kiosk"))
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=request.is_secure(), path="/kios/")
    # Nor is the device remembered as the operator's browser by the sign-in limits.
    response.delete_cookie(KNOWN_BROWSER_COOKIE, samesite="Lax")
    return response


@operator_required
@require_POST
def revoke(request, pk, kiosk):
    ceremony = ceremony_for_user(request.user, pk)
    kiosk = get_object_or_404(Kiosk, pk=kiosk, ceremony=ceremony)
    if kiosk.revoked_at is None:
        Kiosk.objects.filter(pk=kiosk.pk).update(revoked_at=timezone.now())
        record(request, AuditEvent.Action.UPDATE, kiosk, REVOKED, name=kiosk.name)
    return redirect(ceremony)


def _kiosk(request):
    """The kiosk this device is, active, with its apel — or ``None``. Each use keeps it alive."""
    token = request.COOKIES.get(COOKIE, "")
    if not token or len(token) > 100:
        return None
    kiosk = (
        Kiosk.objects.select_related("ceremony__agency", "ceremony__election", "ceremony__pact_template")
        .filter(token_sha256=kiosk_token_hash(token))
        .first()
    )
    now = timezone.now()
    if kiosk is None or not kiosk.is_active(now):
        return None
    Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=now)
    return kiosk


def _ended(request):
    response = render(request, "pledges/kiosk/ended.html", status=403)
    response.delete_cookie(COOKIE, path="/kios/")
    return response


def _page(request, kiosk, template, context=None, status=200):
    ceremony = kiosk.ceremony
    context = {"kiosk": kiosk, "ceremony": ceremony, "agency": ceremony.agency, **(context or {})}
    return render(request, template, context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def home(request):
    """The start screen: NIP and personal code. A match brings that signer's pact."""
    kiosk = _kiosk(request)
    if kiosk is None:
        return _ended(request)
    ceremony = kiosk.ceremony
    state = ceremony.signing_state()
    if state != Ceremony.SigningState.OPEN:
        return _page(request, kiosk, "pledges/kiosk/start.html", {"closed": True, "state": state})
    form = ApelLoginForm(request.POST or None)
    context = {"form": form, "done": request.GET.get("selesai") == "1" and request.method == "GET"}
    if request.method == "POST":
        valid = form.is_valid()
        limits = _apel_limits(ceremony.apel_token, form.cleaned_data["nip"] if valid else None, f"kiosk-{kiosk.pk}")
        refused = refusing(request, limits)
        if refused is not None:
            limit, seconds = refused
            context["form"] = ApelLoginForm()
            context["refusal"] = limit.refusal % {"minutes": minutes(seconds)}
            return _page(request, kiosk, "pledges/kiosk/start.html", context, status=429)
        if valid:
            match = _apel_match(ceremony, form.cleaned_data["nip"], form.cleaned_data["code"])
            if match is not None:
                invitation = Invitation.objects.for_signing(match[1])
                if Signature.objects.filter(invitation=invitation).exists():
                    context["form"] = ApelLoginForm()
                    context["already"] = True
                    return _page(request, kiosk, "pledges/kiosk/start.html", context)
                ticket = signing.dumps({"k": kiosk.pk, "i": invitation.pk}, salt=TICKET_SALT)
                return _sign_page(request, kiosk, invitation, SignForm(), ticket)
            form.add_error(
                None, _("NIP atau kode pribadi tidak cocok dengan undangan apel ini. Periksa lalu coba lagi.")
            )
        count_failure(request, limits)
    response = _page(request, kiosk, "pledges/kiosk/start.html", context)
    if context["done"]:
        # The previous signer's traces in this browser's storage, gone (cookies stay: the kiosk's).
        response["Clear-Site-Data"] = '"storage"'
    return response


def _sign_page(request, kiosk, invitation, form, ticket, text_changed=False):
    draft = pact_text.draft(invitation)
    context = {
        "invitation": invitation,
        "draft": draft,
        "identity": draft.identity(),
        "pact": draft.pact,
        "form": form,
        "ticket": ticket,
        "text_changed": text_changed,
    }
    return _page(request, kiosk, "pledges/kiosk/sign.html", context)


@never_cache
@require_POST
def sign(request):
    """The drawing and the agreement for the signer the ticket names; then a blank start."""
    kiosk = _kiosk(request)
    if kiosk is None:
        return _ended(request)
    ticket = request.POST.get("ticket", "")
    try:
        claim = signing.loads(ticket, salt=TICKET_SALT, max_age=TICKET_SECONDS)
    except signing.BadSignature:
        return redirect("pledges:kiosk")
    if not isinstance(claim, dict) or claim.get("k") != kiosk.pk:
        return redirect("pledges:kiosk")
    invitation = Invitation.objects.filter(pk=claim.get("i"), ceremony_id=kiosk.ceremony_id).first()
    invitation = invitation and Invitation.objects.for_signing(invitation.token)
    if invitation is None:
        return redirect("pledges:kiosk")
    form = SignForm(request.POST)
    if not form.is_valid():
        return _sign_page(request, kiosk, invitation, form, ticket)
    try:
        signature_create(
            invitation=invitation,
            shown=form.shown,
            image_png=form.signature_png,
            method=Signature.Method.KIOSK,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            submission_id=form.cleaned_data["submission_id"],
            kiosk_name=kiosk.name,
        )
    except SigningClosed:
        return redirect("pledges:kiosk")
    except TextChanged:
        form = SignForm(initial={"signature": form.cleaned_data["signature"]})
        return _sign_page(request, kiosk, invitation, form, ticket, text_changed=True)
    return HttpResponseRedirect(reverse("pledges:kiosk") + "?selesai=1", status=303)
