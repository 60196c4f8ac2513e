"""The agency's OpenID Connect provider, as Authlib's Django client sees it.

Authlib (not mozilla-django-oidc) because it reads the provider's discovery document
and checks the ID token's signature, issuer, audience, expiry and nonce itself;
mozilla-django-oidc has no discovery and leaves audience and issuer unchecked.

The discovery document is fetched on the first SSO sign-in of a process — never at
import, never on a page that only shows the button — and kept for
``DISCOVERY_SECONDS``; the provider's keys are fetched with it and again when a token
names a key not yet known (Authlib's key rotation). Everything that can go wrong
with the provider or its answer is a :class:`Refused` with one Indonesian sentence;
no token and no secret is ever logged.
"""

import logging
import threading
import time

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

logger = logging.getLogger(__name__)

NAME = "sso"
SCOPE = "openid profile email"
DISCOVERY_SECONDS = 3600
LEEWAY_SECONDS = 60  # clock difference between us and the provider that is forgiven

UNREACHABLE = _("Layanan SSO tidak dapat dihubungi saat ini. Coba lagi beberapa saat lagi, atau hubungi administrator.")
MISCONFIGURED = _("Pengaturan SSO aplikasi ini tidak cocok dengan penyedia identitas. Hubungi administrator.")
UNKNOWN_STATE = _(
    "Permintaan masuk SSO ini tidak dikenal atau sudah dipakai. Mulai lagi dengan tombol “Masuk dengan SSO”."
)
PROVIDER_REFUSED = _(
    "Penyedia identitas tidak menyelesaikan proses masuk. Mulai lagi dengan tombol “Masuk dengan SSO”."
)
EXPIRED = _(
    "Token identitas dari SSO sudah kedaluwarsa, jadi tidak diterima. Coba lagi; bila berulang, periksa jam "
    "server aplikasi dan penyedia identitas."
)
WRONG_AUDIENCE = _("Token identitas dari SSO tidak diterbitkan untuk aplikasi ini, jadi tidak diterima.")
WRONG_ISSUER = _("Token identitas dari SSO diterbitkan oleh penyedia lain, jadi tidak diterima.")
WRONG_NONCE = _(
    "Token identitas dari SSO bukan jawaban atas permintaan masuk ini, jadi tidak diterima. Mulai lagi dengan "
    "tombol “Masuk dengan SSO”."
)
BAD_SIGNATURE = _("Tanda tangan token identitas dari SSO tidak sah, jadi token itu tidak diterima.")
INVALID_TOKEN = _("Token identitas dari SSO tidak sah, jadi tidak diterima.")


class Refused(Exception):
    """A sign-in that cannot go on: ``message`` for the person, ``reason`` for the trail."""

    def __init__(self, message, reason):
        super().__init__(reason)
        self.message = message
        self.reason = reason


_lock = threading.Lock()
_cached = {"client": None, "issuer": None, "at": 0.0}


def enabled():
    return bool(settings.OIDC_ISSUER)


def client():
    """The Authlib client of the configured provider, built at most once per
    ``DISCOVERY_SECONDS`` (a new one fetches the discovery document again)."""
    with _lock:
        fresh = time.monotonic() - _cached["at"] < DISCOVERY_SECONDS
        if _cached["client"] is None or _cached["issuer"] != settings.OIDC_ISSUER or not fresh:
            _cached.update(client=_build(), issuer=settings.OIDC_ISSUER, at=time.monotonic())
        return _cached["client"]


def _build():
    oauth = OAuth()
    return oauth.register(
        NAME,
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET or None,
        server_metadata_url=settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": settings.OIDC_TIMEOUT},
    )


def metadata():
    """The provider's discovery document; its issuer must be the one configured
    (OpenID Connect Discovery 1.0, 4.3)."""
    with _answers("discovery"):
        document = client().load_server_metadata()
    if str(document.get("issuer", "")).rstrip("/") != settings.OIDC_ISSUER.rstrip("/"):
        forget()
        logger.warning("OIDC discovery names issuer %r, not OIDC_ISSUER", document.get("issuer"))
        raise Refused(MISCONFIGURED, "discovery issuer differs from OIDC_ISSUER")
    return document


def forget():
    """Drop the kept discovery document: the next sign-in fetches it again."""
    with _lock:
        _cached.update(client=None, at=0.0)


def authorize_redirect(request, redirect_uri):
    """The redirect to the provider's login, with ``state``, ``nonce`` and a PKCE
    S256 challenge kept in the session by Authlib."""
    metadata()
    with _answers("authorization request"):
        return client().authorize_redirect(request, redirect_uri)


def finish(request):
    """The provider's answer on the callback, checked: the state is one we issued and
    not yet used, the code is exchanged (with the PKCE verifier), and the ID token's
    signature, issuer, audience, expiry and nonce are right. Returns ``(claims, id_token)``."""
    issuer = metadata()["issuer"]
    options = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    with _answers("token"):
        token = client().authorize_access_token(request, claims_options=options, leeway=LEEWAY_SECONDS)
    if "userinfo" not in token:
        raise Refused(INVALID_TOKEN, "no ID token in the token response")
    return dict(token["userinfo"]), token["id_token"]


def end_session_url(id_token, post_logout_redirect_uri):
    """The provider's RP-initiated logout address, or ``None`` when it offers none
    (or cannot be reached: the local session ends all the same)."""
    try:
        endpoint = metadata().get("end_session_endpoint")
    except Refused:
        return None
    if not endpoint:
        return None
    return client().create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token, client_id=settings.OIDC_CLIENT_ID
    )["url"]


class _answers:
    """Turns what the provider, the network or a token can throw into a :class:`Refused`."""

    def __init__(self, step):
        self.step = step

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, Refused):
            return False
        refusal = _refusal(error)
        if refusal is None:
            return False
        if isinstance(error, requests.RequestException):
            forget()
        logger.warning("SSO %s refused: %s", self.step, refusal.reason)
        raise refusal from None


def _refusal(error):
    if isinstance(error, MismatchingStateError):
        return Refused(UNKNOWN_STATE, "state unknown or already used")
    if isinstance(error, InsecureTransportError):
        return Refused(MISCONFIGURED, "provider not on https")
    if isinstance(error, OAuthError):
        return Refused(PROVIDER_REFUSED, f"provider answered {error.error}")
    if isinstance(error, AuthlibBaseError):
        return Refused(PROVIDER_REFUSED, f"provider answer refused ({type(error).__name__})")
    if isinstance(error, RuntimeError):  # Authlib: a discovery document without a needed endpoint
        return Refused(MISCONFIGURED, f"discovery incomplete ({error})")
    if isinstance(error, requests.RequestException):
        return Refused(UNREACHABLE, f"provider unreachable ({type(error).__name__})")
    if isinstance(error, ExpiredTokenError):
        return Refused(EXPIRED, "ID token expired")
    if isinstance(error, ClaimError):
        message = {"aud": WRONG_AUDIENCE, "azp": WRONG_AUDIENCE, "iss": WRONG_ISSUER, "nonce": WRONG_NONCE}
        return Refused(message.get(error.claim, INVALID_TOKEN), f"ID token claim {error.claim} refused")
    if isinstance(error, JoseError):
        # A signature that does not verify, or by a key the provider does not publish.
        return Refused(BAD_SIGNATURE, f"ID token refused ({type(error).__name__})")
    if isinstance(error, (ValueError, KeyError, TypeError)):
        return Refused(INVALID_TOKEN, f"provider answer unreadable ({type(error).__name__})")
    return None
