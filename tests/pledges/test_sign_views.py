"""The public signing pages, through the test client: personal link, apel login,
confirmation, closed ceremonies, bad input, verification."""

import base64
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ceremonies.models import Ceremony, Invitation
from netralitas.lib import dbguard
from pledges.models import Signature
from pledges.views import APEL_CLIENT_FAILURE_RATE
from tests import factories

pytestmark = pytest.mark.django_db


def sign_url(invitation):
    return reverse("pledges:sign", args=[invitation.token])


def post_sign(client, invitation, data_url, agree=True, **extra):
    data = {"signature": data_url, **factories.shown_fields(invitation)}
    if agree:
        data["agree"] = "on"
    return client.post(sign_url(invitation), data, HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 10)", **extra)


def test_signing_page_shows_the_signer_and_the_pact(client, invitation):
    response = client.get(sign_url(invitation))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Budi Santoso, S.E., M.Si." in html
    assert "19800101 200501 1 001" in html
    assert "Penata Tingkat I (III/d)" in html
    assert "Kepala Bagian Umum" in html
    assert "Sekretariat Daerah" in html
    assert "Pemilihan Kepala Daerah Tahun 2024" in html
    assert html.count("<li>") >= 4
    assert "Saya telah membaca dan menyetujui" in html
    assert "signature_pad.umd.min.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script: the page runs under CSP


def test_hidden_characters_in_the_browser_name_are_not_stored(client, invitation, signature_data_url):
    """A header is the client's to write: a NUL would break PostgreSQL's INSERT and a
    direction override would print a different browser name in the trail."""
    agent = "Mozilla/5.0 \u202eTOOR\u202c (Linux;\x00 Android 10)"
    response = client.post(
        sign_url(invitation),
        {"signature": signature_data_url, "agree": "on", **factories.shown_fields(invitation)},
        HTTP_USER_AGENT=agent,
    )
    assert response.status_code == 302
    assert Signature.objects.get(invitation=invitation).user_agent == "Mozilla/5.0 TOOR (Linux; Android 10)"


def test_signing_stores_everything_and_shows_the_confirmation(client, invitation, signature_data_url):
    response = post_sign(client, invitation, signature_data_url, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert response["Location"] == sign_url(invitation)

    signature = Signature.objects.get(invitation=invitation)
    assert signature.method == Signature.Method.LINK
    assert signature.ip_address == "10.1.2.3"
    assert signature.user_agent.startswith("Mozilla/5.0")
    assert signature.pact_template == invitation.ceremony.pact_template
    assert "Budi Santoso, S.E., M.Si." in signature.text
    assert "Pemilihan Kepala Daerah Tahun 2024" in signature.text
    assert signature.is_intact()
    assert Image.open(io.BytesIO(bytes(signature.image))).format == "PNG"

    page = client.get(sign_url(invitation)).content.decode()
    assert "Pakta sudah ditandatangani" in page
    assert signature.display_code in page
    assert "PDF pakta sedang disiapkan" in page  # no PDF yet: the page says so, and does not break
    assert 'name="agree"' not in page


def test_replayed_form_after_signing_lands_on_the_confirmation(client, invitation, signature_data_url):
    post_sign(client, invitation, signature_data_url)
    first = Signature.objects.get()
    other_drawing = "data:image/png;base64," + base64.b64encode(factories.signature_png(300, 150)).decode()
    response = post_sign(client, invitation, other_drawing)
    assert response.status_code == 302 and response["Location"] == sign_url(invitation)
    assert "Pakta sudah ditandatangani" in client.get(response["Location"]).content.decode()
    assert Signature.objects.count() == 1
    assert Signature.objects.get().image_sha256 == first.image_sha256


@pytest.mark.parametrize(
    ("payload", "agree", "message"),
    [
        ("", True, "Tanda tangan masih kosong"),
        ("blank", True, "Tanda tangan masih kosong"),
        ("svg", True, "tidak dapat dibaca"),
        ("jpeg", True, "tidak dapat dibaca"),
        ("huge", True, "tidak wajar"),
        ("good", False, "Centang pernyataan persetujuan"),
    ],
)
def test_bad_input_gets_a_clear_answer_and_stores_nothing(client, invitation, payload, agree, message):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), "black").save(buffer, format="JPEG")
    payloads = {
        "": "",
        "blank": factories.signature_png(blank=True),
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "jpeg": buffer.getvalue(),
        "huge": factories.signature_png(4000, 3000),
        "good": factories.signature_png(),
    }
    raw = payloads[payload]
    data_url = ("data:image/png;base64," + base64.b64encode(raw).decode()) if raw else ""
    response = post_sign(client, invitation, data_url, agree=agree)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Signature.objects.exists()


def test_missing_checkbox_keeps_the_drawing(client, invitation, signature_data_url):
    response = post_sign(client, invitation, signature_data_url, agree=False)
    assert signature_data_url in response.content.decode()


def test_tampered_token_is_a_404_page(client, invitation):
    tampered = invitation.token[:-1] + ("A" if invitation.token[-1] != "A" else "B")
    response = client.get(reverse("pledges:sign", args=[tampered]))
    assert response.status_code == 404
    assert "tidak dikenal" in response.content.decode()
    response = client.post(reverse("pledges:sign", args=[tampered]), {"agree": "on"})
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_closed_ceremony(client, invitation, signature_data_url):
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(status=Ceremony.Status.CLOSED)
    page = client.get(sign_url(invitation)).content.decode()
    assert "sudah ditutup" in page
    response = post_sign(client, invitation, signature_data_url)
    assert "sudah ditutup" in response.content.decode()
    assert not Signature.objects.exists()


def test_window_not_yet_open_then_open_then_over(client, invitation, signature_data_url):
    now = timezone.now()
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(
        status=Ceremony.Status.SCHEDULED,
        signing_opens_at=now + datetime.timedelta(hours=1),
        signing_closes_at=now + datetime.timedelta(hours=3),
    )
    page = client.get(sign_url(invitation)).content.decode()
    assert "belum dibuka" in page
    assert "Penandatanganan dibuka" in page

    Ceremony.objects.filter(pk=invitation.ceremony_id).update(signing_opens_at=now - datetime.timedelta(minutes=1))
    assert 'name="agree"' in client.get(sign_url(invitation)).content.decode()

    Ceremony.objects.filter(pk=invitation.ceremony_id).update(
        signing_opens_at=now - datetime.timedelta(hours=3), signing_closes_at=now - datetime.timedelta(minutes=1)
    )
    assert "sudah ditutup" in post_sign(client, invitation, signature_data_url).content.decode()
    assert not Signature.objects.exists()


# -- the apel path: NIP and personal code ------------------------------------


def apel_url(ceremony):
    return reverse("pledges:apel", args=[ceremony.apel_token])


def test_apel_login_then_sign(client, invitation, signature_data_url):
    page = client.get(apel_url(invitation.ceremony)).content.decode()
    assert "Kode pribadi" in page
    response = client.post(
        apel_url(invitation.ceremony), {"nip": "19800101 200501 1 001", "code": invitation.code.lower()}
    )
    assert response.status_code == 302
    assert response["Location"] == sign_url(invitation)
    post_sign(client, invitation, signature_data_url)
    assert Signature.objects.get().method == Signature.Method.APEL


def test_apel_non_asn_signs_with_nik(client, ceremony):
    employee = factories.employee(ceremony.agency, employment_type="NON_ASN", nip=None, nik="1371010101900001")
    invitation = Invitation.objects.create(ceremony=ceremony, employee=employee)
    response = client.post(apel_url(ceremony), {"nip": "1371010101900001", "code": invitation.code})
    assert response["Location"] == sign_url(invitation)


def apel_error(client, ceremony, nip, code):
    response = client.post(apel_url(ceremony), {"nip": nip, "code": code})
    assert response.status_code == 200
    return response.content.decode()


def test_apel_unknown_nip_and_wrong_code_get_the_same_answer(client, invitation):
    ceremony = invitation.ceremony
    message = "NIP atau kode pribadi tidak cocok"
    wrong_code = "ZZZZZZ" if invitation.code != "ZZZZZZ" else "YYYYYY"
    assert message in apel_error(client, ceremony, "198001012005011001", wrong_code)
    assert message in apel_error(client, ceremony, "198001012005011099", invitation.code)


def test_apel_code_of_another_ceremony_does_not_open(client, invitation):
    other = factories.ceremony(invitation.ceremony.agency)
    assert "NIP atau kode pribadi tidak cocok" in apel_error(client, other, "198001012005011001", invitation.code)


def test_wrong_codes_for_one_nip_are_limited_from_that_address_only(client, invitation):
    nip = "198001012005011001"
    for _ in range(5):
        apel_error(client, invitation.ceremony, nip, "WRONG1")
    # The sixth try for that NIP from that address is refused, even with the right code…
    response = client.post(apel_url(invitation.ceremony), {"nip": nip, "code": invitation.code})
    assert response.status_code == 429
    assert "Terlalu banyak kode salah untuk NIP ini" in response.content.decode()
    # … but the owner from another address is not locked out by it.
    other = client_class_like(client)
    response = other.post(apel_url(invitation.ceremony), {"nip": nip, "code": invitation.code}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302


def test_failures_from_one_address_are_limited(client, invitation):
    for number in range(int(APEL_CLIENT_FAILURE_RATE.split("/")[0])):
        apel_error(client, invitation.ceremony, factories.nip(number + 5000), "WRONG1")
    response = client.post(apel_url(invitation.ceremony), {"nip": factories.nip(9999), "code": "WRONG1"})
    assert response.status_code == 429


def test_strangers_failures_never_lock_out_a_correct_code(client, invitation):
    """120 wrong codes in a minute from a few addresses, on this NIP and others: the
    right NIP + code still opens the pact, from a fresh address and from theirs."""
    for number in range(120):
        nip = "198001012005011001" if number % 30 == 0 else factories.nip(number + 7000)
        response = client.post(
            apel_url(invitation.ceremony), {"nip": nip, "code": "WRONG1"}, REMOTE_ADDR=f"10.0.0.{number % 8 + 1}"
        )
        assert response.status_code == 200
    for address in ("10.5.5.5", "10.0.0.3"):
        response = client.post(
            apel_url(invitation.ceremony), {"nip": "198001012005011001", "code": invitation.code}, REMOTE_ADDR=address
        )
        assert response.status_code == 302


def client_class_like(client):
    return type(client)()


def test_apel_of_closed_ceremony(client, invitation):
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(status=Ceremony.Status.CLOSED)
    assert "sudah ditutup" in client.get(apel_url(invitation.ceremony)).content.decode()


def test_unknown_apel_link(client):
    response = client.get(reverse("pledges:apel", args=["x" * 43]))
    assert response.status_code == 404


# -- verification ------------------------------------------------------------


def test_verification_page_shows_the_signature(client, signature):
    response = client.get(reverse("pledges:verify", args=[signature.display_code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Asli dan utuh" in html
    assert "Budi Santoso, S.E., M.Si." in html
    assert "1980**** 200501 * **1" in html
    assert "19800101 200501 1 001" not in html  # the NIP is masked on the public page
    assert "Pemerintah Kota Bukittinggi" in html
    assert signature.display_code in html


def test_verification_lookup_form(client, signature):
    response = client.get(reverse("pledges:verify_lookup"), {"code": signature.display_code.lower()})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_unknown_code_is_a_404(client):
    response = client.get(reverse("pledges:verify", args=["ABCDE-FGHJK"]))
    assert response.status_code == 404
    assert "tidak ditemukan" in response.content.decode()


def test_tampered_record_is_reported(client, signature):
    # Someone with database access bypasses the guard and edits the stored text.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            triggers = dbguard.sqlite_triggers_touching(cursor, "pledges_signature")
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE pledges_signature DISABLE TRIGGER guard_signature_immutable")
        cursor.execute(
            "UPDATE pledges_signature SET text = REPLACE(text, 'Budi', 'Badu') WHERE id = %s", [signature.pk]
        )
        if connection.vendor == "sqlite":
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            cursor.execute("ALTER TABLE pledges_signature ENABLE TRIGGER guard_signature_immutable")
    html = client.get(reverse("pledges:verify", args=[signature.verification_code])).content.decode()
    assert "Data tidak utuh" in html


def test_verification_is_rate_limited(client):
    for _ in range(60):
        client.get(reverse("pledges:verify", args=["ABCDE-FGHJK"]))
    assert client.get(reverse("pledges:verify", args=["ABCDE-FGHJK"])).status_code == 429


def test_form_without_csrf_token_gets_a_clear_page(invitation, signature_data_url):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    data = {"signature": signature_data_url, "agree": "on", **factories.shown_fields(invitation)}
    response = client.post(sign_url(invitation), data)
    assert response.status_code == 403
    assert "Formulir tidak dapat dikirim" in response.content.decode()
    assert not Signature.objects.exists()


def test_oversized_post_gets_a_clear_page(client, invitation, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(sign_url(invitation), {"signature": "x" * 5000, "agree": "on"})
    assert response.status_code == 400
    assert "Permintaan tidak dapat diproses" in response.content.decode()
    assert not Signature.objects.exists()


def test_many_signers_behind_one_address_are_not_blocked(client, ceremony):
    """An office Wi-Fi or a carrier NAT puts a whole apel behind one address: correct
    logins must all pass, however many (only failures are limited tightly)."""
    invitations = [
        Invitation.objects.create(ceremony=ceremony, employee=factories.employee(ceremony.agency)) for _ in range(40)
    ]
    for invitation in invitations:
        response = type(client)().post(
            apel_url(ceremony), {"nip": invitation.employee.nip, "code": invitation.code}, REMOTE_ADDR="10.20.30.40"
        )
        assert response.status_code == 302, response.status_code


def test_the_confirmation_polls_a_tiny_status_until_the_pdf_is_ready(client, invitation, sign):
    signature = sign(invitation)
    page = client.get(sign_url(invitation)).content.decode()
    status_url = reverse("pledges:pdf_status", args=[invitation.token])
    assert f'data-poll="{status_url}"' in page and "confirmation.js" in page
    assert 'http-equiv="refresh"' not in page.replace("<noscript><meta http-equiv", "")
    response = client.get(status_url)
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {"ready": False, "url": None}
    assert len(response.content) < 100

    from pledges.documents import pact_document_create

    pact_document_create(signature.pk)
    assert client.get(status_url).json() == {
        "ready": True,
        "url": reverse("pledges:document", args=[invitation.token]),
    }
    page = client.get(sign_url(invitation)).content.decode()
    assert "confirmation.js" not in page and "Unduh PDF pakta" in page


def test_the_status_of_an_unknown_link_is_a_404(client, invitation):
    assert client.get(reverse("pledges:pdf_status", args=["x" * 43])).status_code == 404
    # A link not signed yet: not ready.
    assert client.get(reverse("pledges:pdf_status", args=[invitation.token])).json()["ready"] is False
