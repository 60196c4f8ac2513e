"""UU PDP: every signing path tells the signer, before they sign, what is recorded about
them and why, and links the agency's full notice with the person's rights and whom to ask."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


def short_notice(html):
    match = re.search(r'<aside class="privacy".*?</aside>', html, re.S)
    assert match, "no personal-data notice on the page"
    return match.group(0)


def test_the_signing_page_tells_what_is_recorded_before_the_form(client, invitation):
    html = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    notice = short_notice(html)
    agency = invitation.ceremony.agency
    assert agency.name in notice
    for recorded in ("identitas", "goresan tanda tangan", "waktu penandatanganan", "alamat internet", "peramban"):
        assert recorded in notice
    assert reverse("pledges:privacy", args=[agency.pk]) in notice
    assert html.index('<aside class="privacy"') < html.index('id="sign-form"')


def test_the_apel_page_shows_the_notice_too(client, invitation):
    ceremony = invitation.ceremony
    html = client.get(reverse("pledges:apel", args=[ceremony.apel_token])).content.decode()
    assert reverse("pledges:privacy", args=[ceremony.agency.pk]) in short_notice(html)


def test_the_full_notice_names_the_agency_purpose_rights_and_its_contact(client, invitation):
    agency = invitation.ceremony.agency
    agency.privacy_officer = "Pejabat PDP, Dinas Komunikasi dan Informatika"
    agency.privacy_email = "pdp@bukittinggikota.go.id"
    agency.save()
    response = client.get(reverse("pledges:privacy", args=[agency.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert agency.name in html
    for heading in ("Pengendali data", "Tujuan dan dasar hukum", "Data yang dicatat", "Siapa yang dapat melihatnya",
                    "Berapa lama disimpan", "Hak Anda", "Kontak"):  # fmt: skip
        assert f">{heading}</h2>" in html
    assert "UU No. 27 Tahun 2022" in html and "Jadwal Retensi Arsip" in html
    assert "Pejabat PDP, Dinas Komunikasi dan Informatika" in html
    assert 'href="mailto:pdp@bukittinggikota.go.id"' in html


def test_without_a_contact_the_notice_points_to_the_agency_itself(client, invitation):
    agency = invitation.ceremony.agency
    html = client.get(reverse("pledges:privacy", args=[agency.pk])).content.decode()
    assert f"Bagian kepegawaian atau sekretariat {agency.name}." in html
    assert "mailto:" not in html


def test_each_agency_has_its_own_notice_and_an_unknown_one_is_a_404(client, invitation):
    other = factories.agency(name="Pemerintah Kota Tanjungpinang", privacy_email="pdp@tanjungpinangkota.go.id")
    html = client.get(reverse("pledges:privacy", args=[other.pk])).content.decode()
    assert "Pemerintah Kota Tanjungpinang" in html and "pdp@tanjungpinangkota.go.id" in html
    assert invitation.ceremony.agency.name not in html
    assert client.get(reverse("pledges:privacy", args=[other.pk + 1000])).status_code == 404


def test_the_notice_is_in_english_for_an_english_reader(client, invitation):
    agency = invitation.ceremony.agency
    with translation.override("en"):
        url = reverse("pledges:privacy", args=[agency.pk])
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    assert "Your rights" in html and "Hak Anda" not in html
    sign = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    assert "Your personal data" in short_notice(sign)
