"""Staff accounts: sign-in limits nobody can turn against someone else (staff page
and admin alike, recorded in the trail), and a password reset that really mails its
link — through a real SMTP server (aiosmtpd) on loopback — or says it cannot."""

import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from pledges.views import APEL_SESSION_KEY
from roster.accounts import CHANGE_FAILURES
from roster.login_limits import ACCOUNT_FAILURES, ACCOUNT_SLOW_MINUTES, ADDRESS_FAILURES, PAIR_FAILURES
from tests.smtp import free_port

pytestmark = pytest.mark.django_db

PASSWORD = "rahasia-uji-123"  # tests.factories.user
PAIR_LIMIT = int(PAIR_FAILURES.split("/")[0])
ADDRESS_LIMIT = int(ADDRESS_FAILURES.split("/")[0])
ACCOUNT_LIMIT = int(ACCOUNT_FAILURES.split("/")[0])


def login(client, username, password, address="10.0.0.1", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client):
    return "_auth_user_id" in client.session


def blocks():
    return AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_BLOCKED).order_by("pk")


def test_wrong_passwords_lock_the_account_from_that_address_only(client, world):
    for _ in range(30):
        response = login(client, "operator_a", "salah-sekali")
        assert response.status_code in (200, 429)
    response = login(client, "operator_a", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    page = response.content.decode()
    wait = re.search(r"Terlalu banyak kata sandi salah untuk akun ini dari sini: coba lagi dalam (\d+) menit\.", page)
    assert wait and 1 <= int(wait[1]) <= 15
    # Locked once, recorded once, on the operator's agency (its auditors see it).
    (event,) = blocks()
    assert "operator_a" in event.description and "5 kali" in event.description and "10.0.0.1" in event.description
    assert event.agency == world.agency_a and event.ip_address == "10.0.0.1"

    # Whoever typed them waits; the operator, from anywhere else, signs in.
    other = Client()
    login(other, "operator_a", PASSWORD, address="10.0.0.9")
    assert signed_in(other)


def test_one_address_cannot_lock_out_the_staff(client, world):
    """Five wrong passwords for each of six accounts from one address (the old limit
    locked all six for everyone, window after window): the address is stopped, the
    six sign in from their own addresses."""
    accounts = ["operator_a", "operator_b", "auditor_a", "auditor_ab", "admin_x", "nobody"]
    for username in accounts:
        for _ in range(PAIR_LIMIT):
            assert login(client, username, "tebakan", address="10.0.0.4").status_code == 200
    assert login(client, "operator_a", PASSWORD, address="10.0.0.4").status_code == 429
    for number, username in enumerate(accounts):
        person = Client()
        assert login(person, username, PASSWORD, address=f"10.1.0.{number + 1}").status_code == 302
        assert signed_in(person)


@pytest.mark.parametrize("typed", [" admin_x", "admin_x ", "ａｄｍｉｎ＿ｘ", "ADMIN_X", "Admin_x"])
def test_a_username_counts_as_the_account_it_would_sign_in_as(client, world, typed):
    """`` admin_x`` and the full-width form sign in as ``admin_x``, so their failures
    are ``admin_x``'s; ``ADMIN_X`` is another name wherever the database compares
    exactly (SQLite, PostgreSQL) — and ``admin_x``'s wherever it does not."""
    counts_as_admin = authenticate(username=_form_username(typed), password=PASSWORD)
    for _ in range(PAIR_LIMIT):
        assert login(client, typed, "salah", address="10.0.0.7").status_code == 200
    response = login(client, "admin_x", PASSWORD, address="10.0.0.7")
    assert (response.status_code == 429) == (counts_as_admin is not None)
    assert signed_in(client) == (counts_as_admin is None)


def _form_username(typed):
    from roster.accounts import StaffLoginForm

    return StaffLoginForm().fields["username"].clean(typed)


def test_failures_from_many_addresses_only_slow_the_account(client, world, rate_limit_clock):
    for number in range(ACCOUNT_LIMIT):
        assert login(client, "operator_a", "tebakan", address=f"203.0.113.{number + 1}").status_code == 200
    # The account is slowed, for new browsers, for two minutes at most…
    response = login(Client(), "operator_a", PASSWORD, address="198.51.100.20")
    assert response.status_code == 429
    wait = re.search(r"diperlambat: coba lagi dalam (\d+) menit\.", response.content.decode())
    assert wait and 1 <= int(wait[1]) <= ACCOUNT_SLOW_MINUTES
    # … and the operator is told in the trail of their agency.
    (event,) = blocks()
    assert event.agency == world.agency_a
    assert "diperlambat" in event.description and f"{ACCOUNT_LIMIT} kata sandi salah" in event.description

    rate_limit_clock.advance(ACCOUNT_SLOW_MINUTES * 60)
    person = Client()
    assert login(person, "operator_a", PASSWORD, address="198.51.100.20").status_code == 302


def test_a_browser_that_signed_in_before_is_never_held_out_by_others(client, world):
    login(client, "operator_a", PASSWORD, address="10.0.0.1")
    assert signed_in(client) and "netralitas_browser" in client.cookies
    client.post(reverse("logout"))  # as a browser does: the cookies stay
    # Others guess: from the operator's own office address, and from many addresses.
    for _ in range(ADDRESS_LIMIT):
        login(Client(), "operator_a", "tebakan", address="10.0.0.1")
    for number in range(ACCOUNT_LIMIT):
        login(Client(), "operator_a", "tebakan", address=f"203.0.113.{number + 1}")
    assert login(Client(), "operator_a", PASSWORD, address="10.0.0.1").status_code == 429
    assert login(Client(), "operator_a", PASSWORD, address="198.51.100.20").status_code == 429

    response = login(client, "operator_a", PASSWORD, address="10.0.0.1")
    assert response.status_code == 302 and signed_in(client)
    # Its own mistakes still count, for that browser only.
    client.post(reverse("logout"))
    for _ in range(PAIR_LIMIT):
        assert login(client, "operator_a", "salah", address="10.0.0.1").status_code == 200
    assert login(client, "operator_a", PASSWORD, address="10.0.0.1").status_code == 429
    # A cookie that was not signed by the server is no browser the server knows.
    forged = Client()
    forged.cookies["netralitas_browser"] = client.cookies["netralitas_browser"].value[:-3] + "abc"
    assert login(forged, "operator_a", PASSWORD, address="198.51.100.20").status_code == 429


def test_the_lock_is_per_address(client, world):
    names = [f"tebakan{number}" for number in range(ADDRESS_LIMIT)]
    for name in names:
        login(client, name, "salah", address="10.0.0.4")
    response = login(client, "operator_b", PASSWORD, address="10.0.0.4")
    assert response.status_code == 429 and not signed_in(client)
    assert "Terlalu banyak percobaan masuk yang gagal dari jaringan ini" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_BLOCKED)
    assert "10.0.0.4" in event.description and event.agency is None
    login(client, "operator_b", PASSWORD, address="10.0.0.5")
    assert signed_in(client)


def test_the_admin_login_is_throttled_too(client, world):
    url = reverse("admin:login")
    for _ in range(PAIR_LIMIT):
        login(client, "admin_x", "salah", url=url)
    response = login(client, "admin_x", PASSWORD, url=url)
    assert not signed_in(client)
    assert "Terlalu banyak kata sandi salah untuk akun ini dari sini" in response.content.decode()
    assert blocks().count() == 1
    # The admin login remembers the browser as the staff login does.
    other = Client()
    login(other, "admin_x", PASSWORD, address="10.0.0.2", url=url)
    assert signed_in(other) and "netralitas_browser" in other.cookies


def test_signers_at_the_apel_are_not_touched_by_a_locked_login(client, world):
    for _ in range(ADDRESS_LIMIT):
        login(client, "tebakan", "salah", address="10.0.0.6")
    invitation = world.invitations_a[0]
    response = client.post(
        reverse("pledges:apel", args=[world.ceremony_a.apel_token]),
        {"nip": invitation.employee.nip, "code": invitation.code},
        REMOTE_ADDR="10.0.0.6",
    )
    assert response.status_code == 302 and invitation.pk in client.session[APEL_SESSION_KEY]


def change_password(client, old, new="kata-sandi-baru-yang-panjang-9"):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


def test_wrong_current_passwords_lock_the_password_change(client, world):
    client.force_login(world.operator_a)
    for _ in range(int(CHANGE_FAILURES.split("/")[0])):
        response = change_password(client, "tebakan-salah")
        assert response.status_code == 200 and "salah" in response.content.decode()
    response = change_password(client, PASSWORD)
    assert response.status_code == 429
    assert "penggantian kata sandi dikunci sementara" in response.content.decode()
    world.operator_a.refresh_from_db()
    assert world.operator_a.check_password(PASSWORD)
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_BLOCKED)
    assert "operator_a" in event.description and event.agency == world.agency_a

    # The lock is the account's: another operator changes theirs at once.
    client.force_login(world.operator_b)
    assert change_password(client, PASSWORD)["Location"] == reverse("password_change_done")


# -- password reset --------------------------------------------------------------------


def test_reset_mails_a_link_that_sets_a_new_password(client, world, smtp_server):
    get_user_model().objects.filter(pk=world.operator_a.pk).update(email="operator@example.go.id")
    assert "Lupa kata sandi?" in client.get(reverse("login")).content.decode()
    response = client.post(reverse("password_reset"), {"email": "operator@example.go.id"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")

    (message,) = smtp_server.messages
    assert message["To"] == "operator@example.go.id"
    body = message.get_payload(decode=True).decode()
    link = re.search(r"https://netralitas\.example\.go\.id(/akun/reset/\S+/)", body)[1]
    page = client.get(link, follow=True)
    assert "Kata sandi baru" in page.content.decode()
    new = "kata-sandi-baru-yang-panjang-7"
    response = client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("password_reset_complete")
    assert client.login(username="operator_a", password=new)


def test_reset_that_could_not_be_mailed_says_so(client, world, smtp_server, settings):
    get_user_model().objects.filter(pk=world.operator_a.pk).update(email="operator@example.go.id")
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.EMAIL_TIMEOUT = 2
    response = client.post(reverse("password_reset"), {"email": "operator@example.go.id"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Email tidak dapat dikirim saat ini" in page and "tidak ada email yang terkirim" in page
    # The same answer for an address without an account: nothing to learn about who has one.
    response = client.post(reverse("password_reset"), {"email": "tidak-ada@example.go.id"})
    assert "Email tidak dapat dikirim saat ini" in response.content.decode()
    assert smtp_server.messages == []


def test_without_mail_settings_the_reset_is_not_offered(client, world, settings):
    settings.PASSWORD_RESET_ENABLED = False
    assert "Lupa kata sandi?" not in client.get(reverse("login")).content.decode()
    for name, args in [("password_reset", []), ("password_reset_done", []), ("password_reset_complete", [])]:
        page = client.get(reverse(name, args=args)).content.decode()
        assert "tidak tersedia" in page
    response = client.post(reverse("password_reset"), {"email": "operator@example.go.id"})
    assert "tidak tersedia" in response.content.decode() and "Periksa email Anda" not in response.content.decode()
