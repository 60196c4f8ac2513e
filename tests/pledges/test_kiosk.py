"""The apel kiosk through the test client: started and revoked from the apel page, its
own session for one apel only, idle timeout, failure limits per kiosk, the ticket of
one kiosk and one signer."""

import re

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from pledges.kiosk import COOKIE, TICKET_SALT
from pledges.models import Kiosk, Signature
from roster.models import StaffProfile
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(ceremony):
    return factories.user("setda", role=StaffProfile.Role.OPERATOR, agency=ceremony.agency)


def start_kiosk(client, operator, ceremony, name="Meja 1"):
    client.force_login(operator)
    response = client.post(reverse("pledges:kiosk_start", args=[ceremony.pk]), {"name": name})
    assert response.status_code == 302 and response["Location"] == reverse("pledges:kiosk")
    return Kiosk.objects.get(name=name)


def log_in(client, invitation, code=None):
    return client.post(reverse("pledges:kiosk"), {"nip": invitation.employee.nip, "code": code or invitation.code})


def ticket_of(response):
    return re.search(r'name="ticket" value="([^"]+)"', response.content.decode())[1]


def test_a_kiosk_is_its_own_session_and_signs_with_its_name(client, operator, invitation, signature_data_url):
    kiosk = start_kiosk(client, operator, invitation.ceremony)
    # The operator's staff session ended on this device; the kiosk's cookie is all it has.
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("ceremonies:index")).status_code == 302
    assert AuditEvent.objects.filter(object_type="kiosk", object_id=str(kiosk.pk)).exists()
    page = log_in(client, invitation)
    html = page.content.decode()
    assert invitation.employee.name in html and 'class="privacy"' in html
    response = client.post(
        reverse("pledges:kiosk_sign"),
        {
            "ticket": ticket_of(page),
            "signature": signature_data_url,
            "agree": "on",
            **factories.shown_fields(invitation),
        },
    )
    assert response.status_code == 303 and response["Location"] == reverse("pledges:kiosk") + "?selesai=1"
    signature = Signature.objects.get()
    assert (signature.method, signature.kiosk_name) == (Signature.Method.KIOSK, "Meja 1")
    done = client.get(response["Location"])
    assert done["Clear-Site-Data"] == '"storage"'
    assert "no-store" in done["Cache-Control"]
    assert invitation.employee.name not in done.content.decode()
    # Signed already: the kiosk says so without the pact.
    again = log_in(client, invitation).content.decode()
    assert "sudah ditandatangani" in again and invitation.employee.name not in again


def test_no_kiosk_without_an_operator_starting_one(client, invitation):
    assert client.get(reverse("pledges:kiosk")).status_code == 403
    client.cookies[COOKIE] = "tebakan"
    assert client.get(reverse("pledges:kiosk")).status_code == 403


def test_revoked_or_idle_the_kiosk_is_over(client, operator, invitation):
    kiosk = start_kiosk(client, operator, invitation.ceremony)
    assert client.get(reverse("pledges:kiosk")).status_code == 200
    Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=timezone.now() - Kiosk.IDLE)
    assert client.get(reverse("pledges:kiosk")).status_code == 403

    other = factories.user("setda2", role=StaffProfile.Role.OPERATOR, agency=invitation.ceremony.agency)
    kiosk = start_kiosk(client, other, invitation.ceremony, name="Meja 2")
    assert log_in(client, invitation).status_code == 200
    operator_client = client.__class__()
    operator_client.force_login(operator)
    detail = operator_client.get(invitation.ceremony.get_absolute_url()).content.decode()
    assert "Cabut kios Meja 2" in detail
    operator_client.post(reverse("pledges:kiosk_revoke", args=[invitation.ceremony.pk, kiosk.pk]))
    assert client.get(reverse("pledges:kiosk")).status_code == 403
    assert log_in(client, invitation).status_code == 403


def test_wrong_codes_count_per_kiosk(client, operator, invitation, settings):
    first = start_kiosk(client, operator, invitation.ceremony)
    first_cookie = client.cookies[COOKIE].value
    for _attempt in range(5):
        assert log_in(client, invitation, code="SALAH1").status_code == 200
    assert log_in(client, invitation).status_code == 429  # this NIP, from this kiosk
    second_client = client.__class__()
    start_kiosk(second_client, operator, invitation.ceremony, name="Meja 2")
    assert invitation.employee.name in log_in(second_client, invitation).content.decode()
    assert first.pk != Kiosk.objects.get(name="Meja 2").pk and first_cookie


def test_a_ticket_is_one_kiosks(client, operator, invitation, signature_data_url):
    start_kiosk(client, operator, invitation.ceremony)
    other = Kiosk.objects.create(
        ceremony=invitation.ceremony, name="Lain", token_sha256="0" * 64, last_seen_at=timezone.now()
    )
    forged = signing.dumps({"k": other.pk, "i": invitation.pk}, salt=TICKET_SALT)
    response = client.post(
        reverse("pledges:kiosk_sign"),
        {"ticket": forged, "signature": signature_data_url, "agree": "on", **factories.shown_fields(invitation)},
    )
    assert response.status_code == 302 and not Signature.objects.exists()
