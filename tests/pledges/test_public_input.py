"""Bad input on the public pages gets the page back with an Indonesian message and
keeps what was typed: the agreement box, the apel form's digits, the verification
code (typed or in the address)."""

import pytest
from django.urls import reverse

from pledges.models import Signature
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("agree", ["0", "false", "no", "tidak", "off", "", "ON "])
def test_only_the_ticked_box_is_consent(client, invitation, signature_data_url, agree):
    response = client.post(
        reverse("pledges:sign", args=[invitation.token]),
        {"signature": signature_data_url, "agree": agree, **factories.shown_fields(invitation)},
    )
    assert response.status_code == 200
    assert "Centang pernyataan persetujuan" in response.content.decode()
    assert not Signature.objects.exists()


def test_the_ticked_box_signs(client, invitation, signature_data_url):
    response = client.post(
        reverse("pledges:sign", args=[invitation.token]),
        {"signature": signature_data_url, "agree": "on", **factories.shown_fields(invitation)},
    )
    assert response.status_code == 302
    assert Signature.objects.filter(invitation=invitation).exists()


def test_apel_form_names_non_latin_digits(client, invitation):
    url = reverse("pledges:apel", args=[invitation.ceremony.apel_token])
    response = client.post(url, {"nip": "١٩٨٠٠١٠١٢٠٠٥٠١١٠٠١", "code": invitation.code})
    assert response.status_code == 200
    assert "angka 0–9 biasa" in response.content.decode()


@pytest.mark.parametrize("typed", ["ABC", "---", "ÄBCDEFGHJK", "١٢٣٤٥٦٧٨٩٠", "AB3K9-XY7Q0", "ab3k9-xy7qp-zz"])
def test_a_mistyped_code_gets_the_form_back_with_the_code_kept(client, typed):
    response = client.get(reverse("pledges:verify_lookup"), {"code": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kode verifikasi terdiri dari 10 huruf dan angka" in page
    assert f'value="{typed}"' in page


def test_an_unknown_code_gets_the_form_back_with_the_code_kept(client):
    response = client.get(reverse("pledges:verify_lookup"), {"code": "ab3k9 xy7qp"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kode verifikasi AB3K9-XY7QP tidak ditemukan" in page
    assert 'value="ab3k9 xy7qp"' in page


def test_a_known_code_leads_to_its_verification_page(client, signature):
    response = client.get(reverse("pledges:verify_lookup"), {"code": signature.display_code.lower()})
    assert response["Location"] == reverse("pledges:verify", args=[signature.verification_code])
    assert "Asli dan utuh" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("code", ["ABCDE-FGHJK", "----", "abcd"])
def test_an_unknown_code_in_the_address_is_a_404_with_the_form(client, code):
    response = client.get(reverse("pledges:verify", args=[code]))
    assert response.status_code == 404
    page = response.content.decode()
    assert f'value="{code}"' in page and reverse("pledges:verify_lookup") in page
    assert "tidak ditemukan" in page or "terdiri dari 10 huruf" in page


def test_the_lookup_is_rate_limited_on_the_public_page(client):
    for _ in range(60):
        client.get(reverse("pledges:verify_lookup"), {"code": "ABCDE-FGHJK"})
    response = client.get(reverse("pledges:verify_lookup"), {"code": "ABCDE-FGHJK"})
    assert response.status_code == 429 and "public.css" in response.content.decode()
