"""Staff sign-in through the agency's SSO (OpenID Connect, ``roster.oidc``).

A person the provider vouches for is matched to an **existing** staff account — by
``preferred_username``, or by a verified ``email`` with ``OIDC_MATCH=email`` — and
nothing is created, unless the deployment opts in with ``OIDC_ROLES_CLAIM`` and
``OIDC_AGENCY_CLAIM`` (``roster.sso_staff``). System administrators never sign in
here: their way in is the admin's own password login, kept as the break-glass door
when ``PASSWORD_LOGIN=0``.

Every sign-in, refusal and logout through SSO is a line in the trail; refusals on the
callback count as failed sign-ins of the address (``roster.login_limits``).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.log import record
from audit.models import AuditEvent
from roster import oidc
from roster.login_limits import SsoAttempt
from roster.sso_staff import staff_for_claims

ID_TOKEN_SESSION_KEY = "sso_id_token"  # the ID token of an SSO session: the logout's hint

SIGNED_IN = _("Masuk melalui SSO sebagai “%(username)s” (sub %(subject)s)")
REFUSED = _("Masuk melalui SSO ditolak: %(reason)s")
REFUSED_FOR = _("Masuk melalui SSO ditolak untuk “%(name)s”: %(reason)s")
SIGNED_OUT = _("Keluar dari sesi SSO “%(username)s”%(provider)s")
PROVIDER_LOGOUT = _(", juga di penyedia identitas")


def _callback_url():
    # The address registered at the provider: the public one, never whatever Host a request named.
    return settings.PUBLIC_BASE_URL + reverse("sso_callback")


@never_cache
@require_GET
def sso_login(request):
    """The "Masuk dengan SSO" button: off to the provider's login (404 without ``OIDC_ISSUER``)."""
    if not oidc.enabled():
        raise Http404
    try:
        return oidc.authorize_redirect(request, _callback_url())
    except oidc.Refused as refusal:
        messages.error(request, refusal.message)
        return redirect("login")


@never_cache
@require_GET
def sso_callback(request):
    """The provider's way back: a checked ID token matched to a staff account signs
    that account in and lands on its role's home; anything else is refused with a
    sentence on the login page, recorded, and counted against the address."""
    if not oidc.enabled():
        raise Http404
    attempt = SsoAttempt(request)
    held = attempt.refusal()
    if held is not None:
        message, minutes = held
        messages.error(request, message % {"minutes": minutes})
        return redirect("login")
    claims = {}
    try:
        claims, id_token = oidc.finish(request)
        user = staff_for_claims(request, claims)
    except oidc.Refused as refusal:
        _refused(request, claims, refusal)
        attempt.failed()
        messages.error(request, refusal.message)
        return redirect("login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[ID_TOKEN_SESSION_KEY] = id_token
    record(
        request,
        AuditEvent.Action.LOGIN,
        user.staff_profile,
        SIGNED_IN,
        username=user.get_username(),
        subject=str(claims.get("sub", ""))[:100],
    )
    return redirect(settings.LOGIN_REDIRECT_URL)


def _refused(request, claims, refusal):
    name = claims.get("preferred_username") or claims.get("email") or claims.get("sub")
    action = AuditEvent.Action.LOGIN_REFUSED
    if name:
        record(request, action, None, REFUSED_FOR, name=str(name)[:150], reason=refusal.message)
    else:
        record(request, action, None, REFUSED, reason=refusal.message)


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST), which also ends the provider's session after an SSO
    sign-in when the provider offers ``end_session_endpoint`` (RP-initiated logout,
    with the ID token as hint and the login page as the way back)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(ID_TOKEN_SESSION_KEY)
        user = request.user if request.user.is_authenticated else None
        if id_token is None or user is None or not oidc.enabled():
            return super().post(request, *args, **kwargs)
        provider_url = oidc.end_session_url(id_token, settings.PUBLIC_BASE_URL + reverse("login"))
        record(
            request,
            AuditEvent.Action.LOGOUT,
            getattr(user, "staff_profile", None) or user,
            SIGNED_OUT,
            username=user.get_username(),
            provider=PROVIDER_LOGOUT if provider_url else "",
        )
        logout(request)
        if provider_url:
            return HttpResponseRedirect(provider_url)
        return redirect(settings.LOGOUT_REDIRECT_URL)
