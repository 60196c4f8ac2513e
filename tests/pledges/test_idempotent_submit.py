"""Idempotent submit through the signing view: the device's submission id, the server's
receipt time, the device's claim, late arrivals refused or — within the apel's grace —
taken and noted in the trail."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from ceremonies.models import Ceremony
from pledges.models import Signature
from tests import factories

pytestmark = pytest.mark.django_db


def post(client, invitation, data_url, submission_id, claimed=None):
    data = {
        "signature": data_url,
        "agree": "on",
        "submission_id": str(submission_id),
        "claimed_ms": str(int((claimed or timezone.now()).timestamp() * 1000)),
        **factories.shown_fields(invitation),
    }
    return client.post(reverse("pledges:sign", args=[invitation.token]), data)


def test_the_same_submission_again_is_the_same_signature_and_confirmation(client, invitation, signature_data_url):
    minted = uuid.uuid4()
    claimed = timezone.now() - datetime.timedelta(minutes=7)  # queued on the phone a while ago
    first = post(client, invitation, signature_data_url, minted, claimed)
    assert first.status_code == 302
    signature = Signature.objects.get()
    assert signature.submission_id == minted
    # The signing time is the server's receipt; the phone's clock is kept as its claim.
    assert abs(signature.signed_at - timezone.now()) < datetime.timedelta(seconds=30)
    assert abs(signature.claimed_at - claimed) < datetime.timedelta(milliseconds=1)

    again = post(client, invitation, signature_data_url, minted, claimed)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    page = client.get(first["Location"]).content.decode()
    assert signature.display_code in page
    # Another id for the signed link: the existing confirmation, as always.
    assert post(client, invitation, signature_data_url, uuid.uuid4()).status_code == 302
    assert Signature.objects.count() == 1
    assert Signature.objects.get().submission_id == minted


def test_an_id_already_used_by_another_link_is_a_conflict(client, invitation, signature_data_url):
    other = factories.another_invitation(invitation)
    minted = uuid.uuid4()
    assert post(client, invitation, signature_data_url, minted).status_code == 302
    response = post(client, other, signature_data_url, minted)
    assert response.status_code == 409
    assert "sudah tercatat untuk tautan lain" in response.content.decode()
    assert not Signature.objects.filter(invitation=other).exists()


def test_a_clock_claim_no_phone_could_have_is_not_recorded(client, invitation, signature_data_url):
    post(client, invitation, signature_data_url, uuid.uuid4(), timezone.now() + datetime.timedelta(days=400))
    assert Signature.objects.get().claimed_at is None


def test_arrival_after_the_close_is_refused_with_the_drawing_shown_back(client, invitation, signature_data_url):
    closes = timezone.now() - datetime.timedelta(minutes=2)
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(signing_closes_at=closes)
    response = post(client, invitation, signature_data_url, uuid.uuid4(), closes - datetime.timedelta(minutes=1))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tanda tangan Anda tidak diterima." in html
    assert "setelah penandatanganan ditutup" in html and "Menurut jam ponsel Anda" in html
    assert signature_data_url in html
    assert not Signature.objects.exists()


def test_arrival_within_the_grace_is_taken_late_and_the_trail_says_so(client, invitation, signature_data_url):
    closes = timezone.now() - datetime.timedelta(minutes=2)
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(signing_closes_at=closes, late_grace_minutes=10)
    # Pressed after the close by the phone's own clock: no late arrival, refused.
    assert post(client, invitation, signature_data_url, uuid.uuid4(), timezone.now()).status_code == 200
    assert not Signature.objects.exists()

    response = post(client, invitation, signature_data_url, uuid.uuid4(), closes - datetime.timedelta(minutes=1))
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.arrived_late and signature.signed_at > closes > signature.claimed_at
    event = AuditEvent.objects.get(object_type="signature")
    assert "diterima terlambat dalam masa tenggang" in event.description


def test_the_grace_ends(client, invitation, signature_data_url):
    closes = timezone.now() - datetime.timedelta(minutes=20)
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(signing_closes_at=closes, late_grace_minutes=10)
    post(client, invitation, signature_data_url, uuid.uuid4(), closes - datetime.timedelta(minutes=1))
    assert not Signature.objects.exists()


def test_a_hand_closed_apel_takes_no_late_arrival(client, invitation, signature_data_url):
    closes = timezone.now() - datetime.timedelta(minutes=2)
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(
        signing_closes_at=closes, late_grace_minutes=10, status=Ceremony.Status.CLOSED
    )
    post(client, invitation, signature_data_url, uuid.uuid4(), closes - datetime.timedelta(minutes=1))
    assert not Signature.objects.exists()
