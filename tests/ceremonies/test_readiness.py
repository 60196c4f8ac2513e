"""Signing does not open for an agency that cannot seal pacts: by hand, by a
scheduled window, or by saving a window — and the operator and the admin see why."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ceremonies.models import Ceremony
from pledges.pdf import certificates

pytestmark = pytest.mark.django_db


@pytest.fixture
def unready(world):
    """Agency A's certificate is gone (B's is there); its apel is scheduled, not open."""
    world.certify()
    certificates.certificate_path(world.agency_a).unlink()
    Ceremony.objects.filter(pk=world.ceremony_a.pk).update(status=Ceremony.Status.SCHEDULED)
    world.ceremony_a.refresh_from_db()
    return world


def test_operator_cannot_open_signing_and_sees_why(client, unready):
    client.force_login(unready.operator_a)
    url = reverse("ceremonies:set_status", args=[unready.ceremony_a.pk, "open"])
    response = client.post(url, follow=True)
    html = response.content.decode()
    assert "Penandatanganan tidak dapat dibuka: Sertifikat segel belum dibuat." in html
    assert "Sertifikat segel PDF instansi tidak dapat dipakai" in html  # the page's banner
    unready.ceremony_a.refresh_from_db()
    assert unready.ceremony_a.status == Ceremony.Status.SCHEDULED
    assert unready.ceremony_a.signing_state() == Ceremony.SigningState.NOT_YET_OPEN

    english = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Signing cannot be opened" in english

    certificates.create_dev_certificate(unready.agency_a)
    client.post(url)
    unready.ceremony_a.refresh_from_db()
    assert unready.ceremony_a.signing_state() == Ceremony.SigningState.OPEN


def test_a_window_does_not_open_by_time_without_a_certificate(client, unready):
    Ceremony.objects.filter(pk=unready.ceremony_a.pk).update(
        signing_opens_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    invitation = unready.invitations_a[0]
    page = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    assert "signature-pad" not in page  # the closed page, not the signing form
    certificates.create_dev_certificate(unready.agency_a)
    page = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    assert "signature-pad" in page


def test_a_window_cannot_be_scheduled_without_a_certificate(client, unready):
    client.force_login(unready.operator_a)
    data = {
        "title": "Apel",
        "election": unready.ceremony_a.election_id,
        "pact_template": unready.ceremony_a.pact_template_id,
        "starts_at": "2030-09-26T08:00",
        "place": "Balai Kota",
        "leader": "Sekda",
        "signing_opens_at": "2030-09-26T08:30",
        "signing_closes_at": "2030-09-26T12:00",
    }
    response = client.post(reverse("ceremonies:edit", args=[unready.ceremony_a.pk]), data)
    assert response.status_code == 200
    assert "Penandatanganan tidak dapat dijadwalkan dibuka: Sertifikat segel belum dibuat." in (
        response.content.decode()
    )
    certificates.create_dev_certificate(unready.agency_a)
    response = client.post(reverse("ceremonies:edit", args=[unready.ceremony_a.pk]), data)
    assert response.status_code == 302


def test_admin_lists_each_agencys_certificate(client, unready):
    client.force_login(unready.admin)
    html = client.get(reverse("admin:roster_agency_changelist")).content.decode()
    assert "Sertifikat segel belum dibuat." in html  # agency A
    expires = certificates.certificate_status(unready.agency_b).expires_at
    assert "Siap: sertifikat segel berlaku sampai" in html  # agency B
    assert str(expires.year) in html
