"""What you see is what you sign: the signing page sends back the text format and the
SHA-256 of the text it showed, and the POST seals exactly that text — or, when the
text changed between the page and the submit (a new text format, a renamed agency or
unit, a new pact version), signs nothing and shows the text as it is now."""

import re

import pytest
from django.urls import reverse

from ceremonies.models import Ceremony
from pledges import pact_text
from pledges.models import PactTemplate, Signature, sha256_hex
from roster.models import Agency, Unit
from tests.pledges.test_pact_text import StatusFormat

pytestmark = pytest.mark.django_db

CHANGED = "Isi pakta berubah sejak halaman ini Anda buka."


@pytest.fixture(autouse=True, params=[True, False], ids=["shortcuts", "plain"])
def shortcuts(request, settings):
    """Every test runs with the signing request's pinned shortcuts and without them."""
    settings.SHORTCUTS_AROUND_LIBRARIES = request.param


def open_page(client, invitation):
    """GET the signing page; returns its HTML and the hidden fields it carries."""
    html = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(text_format|text_sha256)" value="([^"]*)">', html))
    assert set(fields) == {"text_format", "text_sha256"}, "the page carries what it showed"
    return html, fields


def submit(client, invitation, fields, data_url):
    return client.post(
        reverse("pledges:sign", args=[invitation.token]), {"signature": data_url, "agree": "on", **fields}
    )


def shown_text(html):
    """The identity block and points as the page shows them, tags stripped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_sealed_text_is_the_one_the_page_showed(client, invitation, signature_data_url):
    html, fields = open_page(client, invitation)
    assert submit(client, invitation, fields, signature_data_url).status_code == 302
    signature = Signature.objects.get(invitation=invitation)
    assert signature.text_sha256 == fields["text_sha256"] == sha256_hex(signature.text)
    assert str(signature.text_format) == fields["text_format"]
    for row in signature.identity():
        assert f'<th scope="row">{row.label}</th><td>{row.document}</td>' in html


def assert_refused_and_shows_now(response, invitation, data_url):
    html = response.content.decode()
    assert response.status_code == 200
    assert CHANGED in html and "belum disimpan" in html
    assert not Signature.objects.filter(invitation=invitation).exists()
    # The drawing is kept for the second submit; the agreement must be given again.
    assert f'value="{data_url}"' in html
    assert not re.search(r'name="agree"[^>]*checked', html)
    return html


def test_a_renamed_agency_between_page_and_submit_signs_nothing(client, invitation, signature_data_url):
    _html, fields = open_page(client, invitation)
    Agency.objects.filter(pk=invitation.ceremony.agency_id).update(name="Pemerintah Kota Bukittinggi Baru")

    html = assert_refused_and_shows_now(submit(client, invitation, fields, signature_data_url), invitation,
                                        signature_data_url)  # fmt: skip
    assert "Pemerintah Kota Bukittinggi Baru" in html

    # The page now carries the new text; signing it seals the new name.
    _html, fields = open_page(client, invitation)
    assert submit(client, invitation, fields, signature_data_url).status_code == 302
    assert Signature.objects.get(invitation=invitation).signer["agency"] == "Pemerintah Kota Bukittinggi Baru"


def test_a_renamed_unit_between_page_and_submit_signs_nothing(client, invitation, signature_data_url):
    _html, fields = open_page(client, invitation)
    Unit.objects.filter(pk=invitation.unit_id).update(name="Sekretariat DPRD")
    html = assert_refused_and_shows_now(submit(client, invitation, fields, signature_data_url), invitation,
                                        signature_data_url)  # fmt: skip
    assert "Sekretariat DPRD" in html


def test_a_new_pact_version_between_page_and_submit_signs_nothing(client, invitation, signature_data_url):
    _html, fields = open_page(client, invitation)
    ceremony = invitation.ceremony
    new = ceremony.pact_template.new_version()
    new.points += "\nMelaporkan pelanggaran netralitas kepada atasan."
    new.save()
    Ceremony.objects.filter(pk=ceremony.pk).update(pact_template=new)

    html = assert_refused_and_shows_now(submit(client, invitation, fields, signature_data_url), invitation,
                                        signature_data_url)  # fmt: skip
    assert "Melaporkan pelanggaran netralitas kepada atasan." in shown_text(html)

    _html, fields = open_page(client, invitation)
    assert submit(client, invitation, fields, signature_data_url).status_code == 302
    signature = Signature.objects.get(invitation=invitation)
    assert signature.pact_template == new and "Melaporkan pelanggaran" in signature.text
    assert PactTemplate.objects.get(pk=new.pk).is_frozen


def test_a_new_format_between_page_and_submit_signs_nothing(client, invitation, signature_data_url, monkeypatch):
    _html, fields = open_page(client, invitation)
    assert fields["text_format"] == str(pact_text.CURRENT)
    # A deploy brings format 3 (one more row in the identity block) while the page is open.
    monkeypatch.setitem(pact_text.FORMATS, 3, StatusFormat())
    monkeypatch.setattr(pact_text, "CURRENT", 3)

    html = assert_refused_and_shows_now(submit(client, invitation, fields, signature_data_url), invitation,
                                        signature_data_url)  # fmt: skip
    assert "Status Kepegawaian" in html

    _html, fields = open_page(client, invitation)
    assert fields["text_format"] == "3"
    assert submit(client, invitation, fields, signature_data_url).status_code == 302
    assert "Status Kepegawaian: PNS" in Signature.objects.get(invitation=invitation).text


def test_a_format_kept_signable_during_a_deploy_seals_exactly_what_was_shown(
    client, invitation, signature_data_url, monkeypatch
):
    _html, fields = open_page(client, invitation)
    old = pact_text.CURRENT
    monkeypatch.setitem(pact_text.FORMATS, 3, StatusFormat())
    monkeypatch.setattr(pact_text, "CURRENT", 3)
    monkeypatch.setattr(pact_text, "STILL_SIGNABLE", (old,))

    assert submit(client, invitation, fields, signature_data_url).status_code == 302
    signature = Signature.objects.get(invitation=invitation)
    assert signature.text_format == old and "Status Kepegawaian" not in signature.text
    assert signature.text_sha256 == fields["text_sha256"] and signature.is_intact()


@pytest.mark.parametrize(
    "fields",
    [{}, {"text_format": "2"}, {"text_format": "2", "text_sha256": "0" * 64}, {"text_format": "x", "text_sha256": ""}],
)
def test_a_submit_without_what_was_shown_signs_nothing(client, invitation, signature_data_url, fields):
    response = submit(client, invitation, fields, signature_data_url)
    assert_refused_and_shows_now(response, invitation, signature_data_url)


def test_a_format_no_longer_signable_is_refused(client, invitation, signature_data_url):
    """Format 1 labelled a PPPK as NIP: a page cannot ask to seal in it."""
    draft = pact_text.draft(invitation, 1)
    fields = {"text_format": "1", "text_sha256": draft.sha256}
    assert_refused_and_shows_now(submit(client, invitation, fields, signature_data_url), invitation,
                                 signature_data_url)  # fmt: skip


def test_a_second_submit_after_the_text_changed_lands_on_the_confirmation(client, invitation, signature_data_url):
    _html, fields = open_page(client, invitation)
    assert submit(client, invitation, fields, signature_data_url).status_code == 302
    Agency.objects.filter(pk=invitation.ceremony.agency_id).update(name="Nama Baru")
    response = submit(client, invitation, fields, signature_data_url)
    assert response.status_code == 200 and "Pakta sudah ditandatangani" in response.content.decode()
    assert Signature.objects.filter(invitation=invitation).count() == 1


def test_the_apel_qr_path_seals_what_was_shown_or_nothing(client, invitation, signature_data_url):
    ceremony = invitation.ceremony
    Ceremony.objects.filter(pk=ceremony.pk).update(status=Ceremony.Status.OPEN)
    login = client.post(
        reverse("pledges:apel", args=[ceremony.apel_token]), {"nip": invitation.employee.nip, "code": invitation.code}
    )
    assert login.status_code == 302 and login["Location"] == reverse("pledges:sign", args=[invitation.token])
    _html, fields = open_page(client, invitation)
    Agency.objects.filter(pk=ceremony.agency_id).update(name="Pemerintah Kota Bukittinggi (baru)")
    assert_refused_and_shows_now(submit(client, invitation, fields, signature_data_url), invitation,
                                 signature_data_url)  # fmt: skip

    _html, fields = open_page(client, invitation)
    assert submit(client, invitation, fields, signature_data_url).status_code == 302
    signature = Signature.objects.get(invitation=invitation)
    assert signature.method == Signature.Method.APEL
    assert signature.signer["agency"] == "Pemerintah Kota Bukittinggi (baru)"
    assert signature.text_sha256 == fields["text_sha256"]
