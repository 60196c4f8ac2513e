"""Staff sign-in limits that nobody can turn against someone else.

Only failures count (``netralitas.lib.limits``), under three keys:

- the account *and* the address: five wrong passwords in 15 minutes refuse that
  account from that address — whoever typed them waits, nobody elsewhere;
- the address: thirty failures in 15 minutes, whatever the accounts, refuse the
  address (one address trying many accounts);
- the account from every address together: ten failures in two minutes *slow* the
  account — refused from browsers it has not signed in from, for the rest of those
  two minutes at most — and the trail says so, on the account.

A browser that has signed in to an account carries a signed cookie naming that
account (OWASP's "device cookie"): for that account its failures are counted
under the browser alone, and nobody else's failures — from the same office
address or from anywhere — refuse it.

The account is the one Django's sign-in would find: the form's username
(stripped, NFKC, as ``AuthenticationForm`` hands it to ``authenticate``) looked
up with ``get_by_natural_key``, as ``ModelBackend`` does — so `` admin`` or a
full-width ``ａｄｍｉｎ`` count as ``admin``, and ``ADMIN`` too wherever the
database would sign it in as ``admin`` (not SQLite or PostgreSQL: they compare
exactly).
"""

import secrets

from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.translation import gettext_lazy as _

from audit.log import record
from audit.models import AuditEvent
from netralitas.lib.http import ratelimit_ip
from netralitas.lib.limits import FailureLimit, count_failure, minutes, refusing

PAIR_FAILURES = "5/15m"  # one account from one address (or from one known browser)
ADDRESS_FAILURES = "30/15m"  # any accounts from one address; loose: an office shares one address
ACCOUNT_SLOW_MINUTES = 2
ACCOUNT_FAILURES = f"10/{ACCOUNT_SLOW_MINUTES}m"  # one account from every address together: slowed, never held longer

KNOWN_BROWSER_COOKIE = "netralitas_browser"
KNOWN_BROWSER_DAYS = 180
KNOWN_BROWSER_ACCOUNTS = 5  # accounts one browser is remembered for (a shared office computer)
_SALT = "roster.login_limits.known-browser"

# One sentence per refusal.
PAIR_REFUSED = _("Terlalu banyak kata sandi salah untuk akun ini dari sini: coba lagi dalam %(minutes)s menit.")
ADDRESS_REFUSED = _("Terlalu banyak percobaan masuk yang gagal dari jaringan ini: coba lagi dalam %(minutes)s menit.")
ACCOUNT_SLOWED = _(
    "Akun ini baru saja menerima banyak kata sandi salah dari tempat lain, jadi masuk dari peramban ini "
    "diperlambat: coba lagi dalam %(minutes)s menit."
)
# Trail descriptions, stored in Indonesian whatever the page language.
PAIR_TRAIL = _(
    "Masuk staf ke akun “%(username)s” dari alamat %(address)s dikunci sementara: %(count)s kali kata sandi salah"
)
BROWSER_TRAIL = _(
    "Masuk staf ke akun “%(username)s” dari peramban yang pernah dipakai akun ini (alamat %(address)s) dikunci "
    "sementara: %(count)s kali kata sandi salah"
)
ADDRESS_TRAIL = _("Masuk staf dari alamat %(address)s dikunci sementara: %(count)s percobaan gagal")
ACCOUNT_TRAIL = _(
    "Masuk ke akun “%(username)s” diperlambat paling lama %(minutes)s menit: %(count)s kata sandi salah dari "
    "berbagai alamat; peramban yang pernah dipakai masuk ke akun ini tidak terpengaruh"
)


class _Limited:
    """An attempt checked against ``limits()`` before it is tried."""

    def refusal(self):
        """``(sentence, minutes)`` while one of the limits refuses this attempt, else ``None``."""
        refused = refusing(self.request, self.limits())
        if refused is None:
            return None
        limit, seconds = refused
        return limit.refusal, minutes(seconds)


class SignInAttempt(_Limited):
    """One sign-in: the account it names, where it comes from, and the limits it is under."""

    def __init__(self, request, username):
        self.request = request
        self.username = username
        self.user = _account(username)
        self.account = f"user:{self.user.pk}" if self.user is not None else f"name:{username}"
        self.address = ratelimit_ip(request)
        self.browser = _known_browser(request, self.user)

    def limits(self):
        if self.browser is not None:
            key = f"{self.account}:{self.browser}"
            return [FailureLimit("login-browser", key, PAIR_FAILURES, PAIR_REFUSED, BROWSER_TRAIL)]
        return [
            FailureLimit("login-pair", f"{self.account}:{self.address}", PAIR_FAILURES, PAIR_REFUSED, PAIR_TRAIL),
            FailureLimit("login-address", self.address, ADDRESS_FAILURES, ADDRESS_REFUSED, ADDRESS_TRAIL),
            FailureLimit("login-account", self.account, ACCOUNT_FAILURES, ACCOUNT_SLOWED, ACCOUNT_TRAIL),
        ]

    def failed(self):
        """Count the failure; a limit it reaches is written to the trail, once."""
        for limit, count in count_failure(self.request, self.limits()):
            target = None
            if limit.group != "login-address" and self.user is not None:
                target = getattr(self.user, "staff_profile", None) or self.user
            record(
                self.request,
                AuditEvent.Action.LOGIN_BLOCKED,
                target,
                limit.trail,
                username=self.username[:150],
                address=self.address,
                count=count,
                minutes=ACCOUNT_SLOW_MINUTES,
            )

    def succeeded(self):
        """Remember this browser for the account (the cookie is set on the response by
        ``roster.middleware.KnownBrowserMiddleware``)."""
        browser, accounts = _read_cookie(self.request)
        accounts = [self.user.pk, *[pk for pk in accounts if pk != self.user.pk]][:KNOWN_BROWSER_ACCOUNTS]
        self.request.known_browser_cookie = signing.dumps(
            {"browser": browser or secrets.token_urlsafe(16), "accounts": accounts}, salt=_SALT
        )


class SsoAttempt(_Limited):
    """The SSO callback: a refusal counts as a failed sign-in of the address — under
    the same key as wrong passwords, so that an address cannot try twice as often by
    mixing both — and the address held refuses the callback before the provider is asked."""

    def __init__(self, request):
        self.request = request
        self.address = ratelimit_ip(request)

    def limits(self):
        return [FailureLimit("login-address", self.address, ADDRESS_FAILURES, ADDRESS_REFUSED, ADDRESS_TRAIL)]

    def failed(self):
        for limit, count in count_failure(self.request, self.limits()):
            record(self.request, AuditEvent.Action.LOGIN_BLOCKED, None, limit.trail, address=self.address, count=count)


def _account(username):
    if not username:
        return None
    model = get_user_model()
    try:
        return model._default_manager.get_by_natural_key(username)
    except model.DoesNotExist:
        return None


def _read_cookie(request):
    """The browser id and the accounts it signed in to, from a cookie we signed; nothing otherwise."""
    try:
        value = signing.loads(
            request.COOKIES.get(KNOWN_BROWSER_COOKIE, ""), salt=_SALT, max_age=KNOWN_BROWSER_DAYS * 24 * 3600
        )
        browser, accounts = value["browser"], value["accounts"]
    except (signing.BadSignature, TypeError, KeyError):
        return None, []
    if not isinstance(browser, str) or not isinstance(accounts, list):
        return None, []
    return browser, [pk for pk in accounts if isinstance(pk, int)]


def _known_browser(request, user):
    if user is None:
        return None
    browser, accounts = _read_cookie(request)
    return browser if user.pk in accounts else None
