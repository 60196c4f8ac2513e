"""Which staff account a person from the SSO provider is.

By default only an existing account: its username is the ID token's
``preferred_username`` (``OIDC_MATCH=username``) or its e-mail the token's ``email``,
which the provider must have verified (``OIDC_MATCH=email``). It must be an active
operator or auditor; system administrators sign in through the admin's password login.

With ``OIDC_ROLES_CLAIM`` and ``OIDC_AGENCY_CLAIM`` a person with no account gets one
from the claims (README, "Masuk dengan SSO"): the roles claim (a dotted path such as
``realm_access.roles`` reaches into Keycloak's nested claims) holds ``operator`` or
``auditor``, the agency claim the id of the operator's agency or of the auditor's
supervised agencies. An account that exists keeps the role given in the admin.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.log import record
from audit.models import AuditEvent
from roster.models import Agency, StaffProfile
from roster.oidc import Refused

NO_NAME = _("Penyedia identitas tidak mengirim %(claim)s, jadi akun staf tidak dapat dicari. Hubungi administrator.")
EMAIL_UNVERIFIED = _(
    "Alamat email dari SSO belum diverifikasi oleh penyedia identitas, jadi tidak dipakai untuk masuk."
)
UNKNOWN = _(
    "Akun SSO “%(name)s” belum terdaftar sebagai staf Netralitas. Minta administrator membuat akun staf dengan "
    "nama pengguna atau email yang sama; tidak ada akun yang dibuat."
)
AMBIGUOUS = _("Email “%(name)s” dipakai lebih dari satu akun staf. Hubungi administrator.")
INACTIVE = _("Akun staf “%(name)s” dinonaktifkan. Hubungi administrator.")
ADMIN_ACCOUNT = _("Akun administrator tidak masuk melalui SSO: gunakan halaman admin.")
NOT_STAFF = _("Akun “%(name)s” tidak punya peran operator atau auditor. Hubungi administrator.")
NO_ROLE = _(
    "Akun SSO “%(name)s” belum terdaftar, dan klaim peran dari penyedia identitas tidak menyebut tepat satu peran "
    "(operator atau auditor). Tidak ada akun yang dibuat."
)
NO_AGENCY = _(
    "Akun SSO “%(name)s” belum terdaftar, dan klaim instansi dari penyedia identitas tidak menyebut instansi yang "
    "dikenal aplikasi ini. Tidak ada akun yang dibuat."
)
USERNAME_TAKEN = _(
    "Nama pengguna “%(name)s” sudah dipakai akun lain dengan email berbeda, jadi tidak ada akun yang dibuat. "
    "Hubungi administrator."
)
CREATED = _("Akun staf “%(username)s” (%(role)s) dibuat dari klaim SSO")

ROLES = {"operator": StaffProfile.Role.OPERATOR, "auditor": StaffProfile.Role.AUDITOR}


def staff_for_claims(request, claims):
    """The staff account of the checked claims of an ID token, or :class:`Refused`."""
    by_email = settings.OIDC_MATCH == "email"
    claim = "email" if by_email else "preferred_username"
    name = _text(claims.get(claim))
    if not name:
        raise Refused(_message(NO_NAME, claim=claim), f"no {claim} claim")
    if by_email and claims.get("email_verified") is not True:
        raise Refused(EMAIL_UNVERIFIED, "email not verified")
    user = _existing(name, by_email=by_email)
    if user is None:
        if not settings.OIDC_ROLES_CLAIM:
            raise Refused(_message(UNKNOWN, name=name), "no staff account")
        user = _create(request, claims, name)
    if user.is_superuser:
        raise Refused(ADMIN_ACCOUNT, "administrator account")
    if not user.is_active:
        raise Refused(_message(INACTIVE, name=name), "inactive account")
    if getattr(user, "staff_profile", None) is None:
        raise Refused(_message(NOT_STAFF, name=name), "account without staff role")
    return user


def _existing(name, *, by_email):
    users = get_user_model()._default_manager
    if not by_email:
        return users.filter(username=name).first()
    found = list(users.filter(email__iexact=name)[:2])
    if len(found) > 1:
        raise Refused(_message(AMBIGUOUS, name=name), "e-mail of several accounts")
    return found[0] if found else None


@transaction.atomic
def _create(request, claims, name):
    """A new operator or auditor from the roles and agency claims; all or nothing."""
    roles = {ROLES[value] for value in _values(claims, settings.OIDC_ROLES_CLAIM) if value in ROLES}
    if len(roles) != 1:
        raise Refused(_message(NO_ROLE, name=name), "roles claim names no single role")
    role = roles.pop()
    ids = [int(value) for value in _values(claims, settings.OIDC_AGENCY_CLAIM) if value.isascii() and value.isdigit()]
    agencies = list(Agency.objects.filter(pk__in=[pk for pk in ids if pk < 2**63]))
    if not agencies or (role == StaffProfile.Role.OPERATOR and len(agencies) != 1):
        raise Refused(_message(NO_AGENCY, name=name), "agency claim names no known agency")
    username = (_text(claims.get("preferred_username")) or name)[:150]
    try:
        get_user_model().username_validator(username)
    except ValidationError:
        raise Refused(_message(NO_NAME, claim="preferred_username"), "username not usable") from None
    if get_user_model()._default_manager.filter(username=username).exists():
        raise Refused(_message(USERNAME_TAKEN, name=username), "username of another account")
    user = get_user_model()._default_manager.create_user(
        username=username,
        email=_text(claims.get("email"))[:254],
        first_name=_text(claims.get("given_name"))[:150],
        last_name=_text(claims.get("family_name"))[:150],
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if role == StaffProfile.Role.OPERATOR:
        profile = StaffProfile.objects.create(user=user, role=role, agency=agencies[0])
    else:
        profile = StaffProfile.objects.create(user=user, role=role)
        profile.supervised_agencies.set(agencies)
    record(request, AuditEvent.Action.CREATE, profile, CREATED, username=username, role=profile.get_role_display())
    return user


def _values(claims, path):
    """The strings at a dotted ``path`` of the claims: one string or a list of them."""
    value = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, (str, int)) and not isinstance(item, bool)]
    return []


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _message(message, **params):
    """A refusal's sentence with the claim's value in it, in the page's language."""
    return _Formatted(message, params)


class _Formatted:
    """A lazy sentence filled in when shown (the page's language) or recorded (Indonesian)."""

    def __init__(self, message, params):
        self.message, self.params = message, params

    def __str__(self):
        return str(self.message) % self.params
