"""Staff sign-in through SSO, against a real OpenID Connect provider process on
loopback (``tests.oidc``): the app discovers it, sends the person there and takes the
code back over HTTP. A good sign-in lands on the role's home; every bad answer —
unknown person, a token for another client, expired, signed by another key, a state
missing or used twice, a nonce of another request — is refused with a sentence on
the login page, recorded in the trail, and leaves no session and no account behind."""

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from roster import oidc, sso_staff
from roster.login_limits import ADDRESS_FAILURES
from roster.models import StaffProfile
from roster.sso import ID_TOKEN_SESSION_KEY
from tests.oidc import OidcProvider, Tampering
from tests.ports import free_port

pytestmark = pytest.mark.django_db

CLIENT_ID = "netralitas"
ADDRESS_LIMIT = int(ADDRESS_FAILURES.split("/")[0])


@pytest.fixture(scope="module")
def provider():
    server = OidcProvider().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_discovery():
    """Each test discovers its provider itself (the kept document is per process)."""
    oidc.forget()
    yield
    oidc.forget()


def use(settings, issuer, **more):
    settings.OIDC_ISSUER = issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = "rahasia-klien-uji"
    for name, value in more.items():
        setattr(settings, name, value)


@pytest.fixture
def sso(settings, provider, world):
    use(settings, provider.url)
    provider.add_user("sub-operator-a", preferred_username="operator_a", email="operator.a@example.go.id")
    provider.add_user("sub-auditor-a", preferred_username="auditor_a")
    provider.add_user("sub-orang-asing", preferred_username="orang_asing", email="asing@example.go.id")
    return provider


def start(client):
    """The "Masuk dengan SSO" button: the redirect to the provider's login."""
    response = client.get(reverse("sso_login"))
    assert response.status_code == 302
    return response["Location"]


def sign_in(client, provider, sub, *, authorize=lambda url: url, address="10.0.0.1"):
    """The whole round: the button, the provider's page, the way back. ``authorize``
    may change the authorization request as an attacker's browser would."""
    callback = provider.log_in(authorize(start(client)), sub)
    return client.get(callback, REMOTE_ADDR=address)


def with_param(url, **params):
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **params})))


def signed_in(client):
    return "_auth_user_id" in client.session


def refused_with(client, response, sentence, *, recorded=True):
    """Refused: back on the login page with the sentence, nobody signed in, no ID token
    kept, and (on the callback) the refusal the newest line of the trail."""
    assert response.status_code == 302 and response["Location"] == reverse("login")
    if recorded:
        newest = AuditEvent.objects.order_by("-pk").first()
        assert newest.action == AuditEvent.Action.LOGIN_REFUSED and str(sentence) in newest.description
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert str(sentence) in page.content.decode()
    assert not signed_in(client)
    assert ID_TOKEN_SESSION_KEY not in client.session


def trail(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_a_good_sign_in_lands_on_the_role_home(client, sso, world):
    authorize = start(client)
    query = parse_qs(urlsplit(authorize).query)
    # Authorization code flow with PKCE S256, a state and a nonce.
    assert authorize.startswith(sso.url + "/oauth2/authorize?")
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/akun/sso/callback/"]

    response = client.get(sso.log_in(authorize, "sub-operator-a"), REMOTE_ADDR="10.0.0.1", follow=True)
    assert response.redirect_chain[-1][0] == reverse("ceremonies:index")
    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(world.operator_a.pk)
    (event,) = trail(AuditEvent.Action.LOGIN)
    assert event.user == world.operator_a and event.agency == world.agency_a and event.ip_address == "10.0.0.1"
    assert "operator_a" in event.description and "sub-operator-a" in event.description

    other = Client()
    response = sign_in(other, sso, "sub-auditor-a")
    assert response["Location"] == reverse("roster:home")
    assert other.get(response["Location"])["Location"] == reverse("inspektorat:index")


def test_an_unknown_person_is_refused_and_nothing_is_created(client, sso):
    users = get_user_model().objects.count()
    response = sign_in(client, sso, "sub-orang-asing")
    refused_with(client, response, "Akun SSO “orang_asing” belum terdaftar sebagai staf Netralitas.")
    assert get_user_model().objects.count() == users
    (event,) = trail(AuditEvent.Action.LOGIN_REFUSED)
    assert event.user is None and "orang_asing" in event.description and event.ip_address == "10.0.0.1"
    assert not trail(AuditEvent.Action.LOGIN)


def test_an_administrator_keeps_to_the_admin_login(client, sso, world):
    sso.add_user("sub-admin", preferred_username=world.admin.username)
    refused_with(client, sign_in(client, sso, "sub-admin"), sso_staff.ADMIN_ACCOUNT)


def test_an_inactive_account_is_refused(client, sso, world):
    world.operator_a.is_active = False
    world.operator_a.save()
    refused_with(client, sign_in(client, sso, "sub-operator-a"), "Akun staf “operator_a” dinonaktifkan.")


@pytest.mark.parametrize(
    "audience",
    [
        {"aud": "aplikasi-lain"},
        # A party claiming to be us (``azp``) does not make the token ours: the audience decides.
        {"aud": ["aplikasi-lain"], "azp": CLIENT_ID},
    ],
)
def test_a_token_for_another_client_is_refused(client, settings, sso, audience):
    stand_in = Tampering(sso, lambda claims: {**claims, **audience}).start()
    try:
        use(settings, stand_in.url)
        refused_with(client, sign_in(client, sso, "sub-operator-a"), oidc.WRONG_AUDIENCE)
    finally:
        stand_in.stop()
    (event,) = trail(AuditEvent.Action.LOGIN_REFUSED)
    assert "tidak diterbitkan untuk aplikasi ini" in event.description


def test_a_token_signed_by_another_key_is_refused(client, settings, sso):
    stand_in = Tampering(sso, sign_with_unpublished_key=True).start()
    try:
        use(settings, stand_in.url)
        refused_with(client, sign_in(client, sso, "sub-operator-a"), oidc.BAD_SIGNATURE)
    finally:
        stand_in.stop()


def test_the_stand_in_alone_changes_nothing(client, settings, sso, world):
    """The tampering server's refusals come from what it changes: unchanged, it signs
    in. It also shows what the app sent for the code: the PKCE verifier whose S256
    digest was the challenge of the authorization request."""
    stand_in = Tampering(sso).start()
    try:
        use(settings, stand_in.url)
        authorize = start(client)
        response = client.get(sso.log_in(authorize, "sub-operator-a"))
    finally:
        stand_in.stop()
    assert response["Location"] == reverse("roster:home")
    assert client.session["_auth_user_id"] == str(world.operator_a.pk)
    (sent,) = stand_in.token_requests
    verifier = sent["code_verifier"][0]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert parse_qs(urlsplit(authorize).query)["code_challenge"] == [digest]
    assert sent["grant_type"] == ["authorization_code"] and "client_secret" not in sent  # sent as HTTP Basic


def test_an_expired_id_token_is_refused(client, settings, world):
    """A provider whose tokens expired ten minutes before they were issued (a clock far off)."""
    expired = OidcProvider(token_max_age=-600).start()
    try:
        use(settings, expired.url)
        expired.add_user("sub-operator-a", preferred_username="operator_a")
        refused_with(client, sign_in(client, expired, "sub-operator-a"), oidc.EXPIRED)
    finally:
        expired.stop()


def test_a_missing_state_is_refused(client, sso):
    callback = sso.log_in(start(client), "sub-operator-a")
    parts = urlsplit(callback)
    code = parse_qs(parts.query)["code"][0]
    response = client.get(f"{parts.path}?{urlencode({'code': code})}")
    refused_with(client, response, oidc.UNKNOWN_STATE)


def test_a_state_is_used_once(client, sso, world):
    callback = sso.log_in(start(client), "sub-operator-a")
    assert client.get(callback)["Location"] == reverse("roster:home")
    client.post(reverse("logout"))
    # The same answer again, in the same browser or in another: refused.
    refused_with(client, client.get(callback), oidc.UNKNOWN_STATE)
    other = Client()
    refused_with(other, other.get(callback), oidc.UNKNOWN_STATE)


def test_a_nonce_of_another_request_is_refused(client, sso):
    response = sign_in(client, sso, "sub-operator-a", authorize=lambda url: with_param(url, nonce="nonce-lain"))
    refused_with(client, response, oidc.WRONG_NONCE)


def test_a_denied_sign_in_is_refused(client, sso):
    authorize = start(client)
    answer = requests.post(authorize, data={"action": "deny"}, allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    refused_with(client, client.get(f"{back.path}?{back.query}"), oidc.PROVIDER_REFUSED)


def test_a_provider_that_does_not_answer_gets_a_sentence_not_a_500(client, settings, world):
    use(settings, f"http://127.0.0.1:{free_port()}")
    response = client.get(reverse("sso_login"))
    refused_with(client, response, oidc.UNREACHABLE, recorded=False)
    # The callback too (no discovery): the same sentence.
    refused_with(client, client.get(reverse("sso_callback") + "?code=x&state=y"), oidc.UNREACHABLE)


def test_discovery_is_fetched_once_per_process(client, settings, world):
    provider = OidcProvider().start()
    try:
        use(settings, provider.url)
        provider.add_user("sub-operator-a", preferred_username="operator_a")
        assert client.get(reverse("login")).status_code == 200  # the button needs no discovery
        sign_in(client, provider, "sub-operator-a")
        client.post(reverse("logout"))
        provider.stop()
        # The provider gone: the kept document still builds the redirect to it.
        assert start(Client()).startswith(provider.url + "/oauth2/authorize?")
    finally:
        provider.stop()


def test_logout_ends_the_provider_session_too(client, sso, world):
    sign_in(client, sso, "sub-operator-a")
    id_token = client.session[ID_TOKEN_SESSION_KEY]
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == sso.url + "/oauth2/end_session"
    query = parse_qs(location.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://127.0.0.1:8000/akun/login/"]
    assert requests.get(response["Location"], timeout=5).status_code == 200  # the provider takes it
    assert not signed_in(client)
    (event,) = trail(AuditEvent.Action.LOGOUT)
    assert event.user == world.operator_a and "penyedia identitas" in event.description


def test_a_password_sign_in_logs_out_as_before(client, sso, world):
    client.force_login(world.operator_a)
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert not trail(AuditEvent.Action.LOGOUT)


def test_the_button_only_with_an_issuer(client, settings, sso):
    assert "Masuk dengan SSO" in client.get(reverse("login")).content.decode()
    settings.OIDC_ISSUER = ""
    assert "Masuk dengan SSO" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("sso_login")).status_code == 404
    assert client.get(reverse("sso_callback")).status_code == 404


def test_password_login_off_keeps_the_admin_door_for_superusers(client, settings, sso, world):
    settings.PASSWORD_LOGIN = False
    page = client.get(reverse("login")).content.decode()
    assert "Masuk dengan SSO" in page and 'name="password"' not in page
    response = client.post(reverse("login"), {"username": "operator_a", "password": "rahasia-uji-123"})
    assert response.status_code == 403 and not signed_in(client)
    assert "Masuk dengan kata sandi dimatikan" in response.content.decode()
    # The admin's login: a staff member with admin access is refused, a superuser gets in.
    world.operator_a.is_staff = True
    world.operator_a.save()
    admin_login = reverse("admin:login")
    client.post(admin_login, {"username": "operator_a", "password": "rahasia-uji-123"})
    assert not signed_in(client)
    client.post(admin_login, {"username": world.admin.username, "password": "rahasia-uji-123"})
    assert client.session["_auth_user_id"] == str(world.admin.pk)


def test_refusals_count_against_the_address(client, sso):
    """The callback is under the sign-in limit of the address: past it, refused before
    the provider is asked, and the trail says so once."""
    for _ in range(ADDRESS_LIMIT):
        client.get(reverse("sso_callback") + "?code=tebakan&state=tebakan", REMOTE_ADDR="10.0.0.7")
    response = sign_in(client, sso, "sub-operator-a", address="10.0.0.7")
    assert response["Location"] == reverse("login") and not signed_in(client)
    page = client.get(reverse("login")).content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal dari jaringan ini" in page
    (blocked,) = trail(AuditEvent.Action.LOGIN_BLOCKED)
    assert "10.0.0.7" in blocked.description
    # From another address the same person signs in.
    assert sign_in(Client(), sso, "sub-operator-a", address="10.0.0.8")["Location"] == reverse("roster:home")


def test_matching_by_verified_email(client, settings, sso, world):
    settings.OIDC_MATCH = "email"
    world.operator_a.email = "Operator.A@example.go.id"
    world.operator_a.save()
    sso.add_user("sub-email", preferred_username="nama-lain", email="operator.a@example.go.id", email_verified=True)
    assert sign_in(client, sso, "sub-email")["Location"] == reverse("roster:home")
    assert client.session["_auth_user_id"] == str(world.operator_a.pk)

    sso.add_user("sub-unverified", preferred_username="x", email="operator.a@example.go.id", email_verified=False)
    other = Client()
    refused_with(other, sign_in(other, sso, "sub-unverified"), sso_staff.EMAIL_UNVERIFIED)


def test_staff_created_from_claims_when_opted_in(client, settings, sso, world):
    use(settings, sso.url, OIDC_ROLES_CLAIM="realm_access.roles", OIDC_AGENCY_CLAIM="instansi")
    sso.add_user(
        "sub-baru",
        preferred_username="operator_baru",
        email="baru@example.go.id",
        given_name="Rina",
        family_name="Wati",
        realm_access={"roles": ["offline_access", "operator"]},
        instansi=str(world.agency_b.pk),
    )
    response = sign_in(client, sso, "sub-baru")
    assert client.get(response["Location"])["Location"] == reverse("ceremonies:index")
    user = get_user_model().objects.get(username="operator_baru")
    assert not user.has_usable_password() and user.get_full_name() == "Rina Wati"
    assert user.staff_profile.role == StaffProfile.Role.OPERATOR and user.staff_profile.agency == world.agency_b
    (created,) = trail(AuditEvent.Action.CREATE)
    assert created.agency == world.agency_b and "operator_baru" in created.description

    sso.add_user(
        "sub-auditor-baru",
        preferred_username="auditor_baru",
        realm_access={"roles": ["auditor"]},
        instansi=[str(world.agency_a.pk), str(world.agency_b.pk)],
    )
    sign_in(Client(), sso, "sub-auditor-baru")
    profile = StaffProfile.objects.get(user__username="auditor_baru")
    assert profile.is_auditor and set(profile.supervised_agencies.all()) == {world.agency_a, world.agency_b}


@pytest.mark.parametrize(
    ("claims", "sentence"),
    [
        ({"realm_access": {"roles": ["pengguna"]}, "instansi": "1"}, "tidak menyebut tepat satu peran"),
        ({"realm_access": {"roles": ["operator", "auditor"]}, "instansi": "1"}, "tidak menyebut tepat satu peran"),
        ({"realm_access": {"roles": ["operator"]}, "instansi": "99999999"}, "tidak menyebut instansi"),
        ({"realm_access": {"roles": ["operator"]}}, "tidak menyebut instansi"),
    ],
)
def test_claims_that_name_no_role_or_agency_create_nothing(client, settings, sso, world, claims, sentence):
    use(settings, sso.url, OIDC_ROLES_CLAIM="realm_access.roles", OIDC_AGENCY_CLAIM="instansi")
    if claims.get("instansi") == "1":
        claims = {**claims, "instansi": str(world.agency_a.pk)}
    sso.add_user("sub-salah", preferred_username="calon_staf", **claims)
    users = get_user_model().objects.count()
    refused_with(client, sign_in(client, sso, "sub-salah"), sentence)
    assert get_user_model().objects.count() == users
    assert not StaffProfile.objects.filter(user__username="calon_staf").exists()
