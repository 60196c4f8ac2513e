"""A signer on a real browser: personal link, apel QR, a phone, a closed apel."""

import base64
import io
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.urls import reverse
from PIL import Image

from ceremonies.models import Ceremony
from pledges.documents import pact_document_create
from pledges.models import Signature
from tests.browser.conftest import draw_signature, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_personal_link_draw_and_sign(page, live_server, invitation):
    page.goto(live_server.url + reverse("pledges:sign", args=[invitation.token]))
    assert page.locator("h1").inner_text() == "PAKTA INTEGRITAS NETRALITAS ASN"
    assert "Budi Santoso, S.E., M.Si." in page.content()

    # Submitting an empty pad is stopped in the page, before any request.
    page.get_by_role("button", name="Tanda tangani pakta").click()
    assert page.locator("#pad-empty").is_visible()
    assert not Signature.objects.exists()

    draw_signature(page)
    page.get_by_label("Saya telah membaca dan menyetujui").check()
    screenshot(page, "sign-desktop")
    page.get_by_role("button", name="Tanda tangani pakta").click()
    page.wait_for_selector("text=Pakta sudah ditandatangani.")

    signature = Signature.objects.get(invitation=invitation)
    assert signature.method == Signature.Method.LINK
    assert page.locator(".code").inner_text() == signature.display_code
    assert "HeadlessChrome" in signature.user_agent or "Chrome" in signature.user_agent
    screenshot(page, "confirmation-desktop")

    # The page asks the tiny status endpoint, and shows the download once the PDF exists.
    assert page.locator("#pdf-download").is_hidden()
    polls = []
    page.on("request", lambda request: polls.append(request.url) if request.url.endswith("/pdf") else None)

    # pyHanko runs its own event loop: outside Playwright's (as tests/browser/test_audit.py does).
    def render():
        try:
            pact_document_create(signature.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(render).result()
    page.wait_for_selector("#pdf-download a", state="visible")
    assert polls and page.locator("#pdf-waiting").is_hidden()
    assert page.locator("#pdf-download a").get_attribute("href").endswith("/pakta.pdf")

    # The link now shows the confirmation, not the form.
    page.reload()
    assert page.locator("#signature-pad").count() == 0
    assert page.get_by_text("Pakta sudah ditandatangani.").is_visible()


def test_apel_qr_with_nip_and_code(phone, live_server, invitation):
    phone.goto(live_server.url + reverse("pledges:apel", args=[invitation.ceremony.apel_token]))
    phone.get_by_label("NIP / NI PPPK / NIK").fill("19800101 200501 1 001")
    phone.get_by_label("Kode pribadi").fill("salah1")
    phone.get_by_role("button", name="Buka pakta saya").click()
    assert phone.get_by_text("NIP atau kode pribadi tidak cocok").is_visible()

    phone.get_by_label("Kode pribadi").fill(invitation.code.lower())
    phone.get_by_role("button", name="Buka pakta saya").click()
    phone.wait_for_selector("#signature-pad")
    draw_signature(phone)
    phone.get_by_label("Saya telah membaca dan menyetujui").check()
    pad = phone.locator("#signature-pad").evaluate("c => [c.offsetWidth, c.offsetHeight, c.width]")
    posted = []
    phone.on("request", lambda request: posted.append(request.post_data) if request.method == "POST" else None)
    phone.get_by_role("button", name="Tanda tangani pakta").click()
    phone.wait_for_selector("text=Pakta sudah ditandatangani.")
    assert Signature.objects.get(invitation=invitation).method == Signature.Method.APEL

    # The phone draws at devicePixelRatio 2 but sends the drawing at one pixel per CSS pixel.
    assert pad[2] == 2 * pad[0]
    data_url = parse_qs(posted[0])["signature"][0]
    sent = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
    assert sent.size == (pad[0], pad[1])


def test_phone_viewport_is_usable_and_light(phone, live_server, invitation):
    sizes = {}
    phone.on("response", lambda response: sizes.__setitem__(response.url, len(response.body())))
    phone.goto(live_server.url + reverse("pledges:sign", args=[invitation.token]))
    phone.wait_for_load_state("networkidle")
    # Nothing wider than the screen, large touch targets.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    for name in ["Urungkan", "Hapus", "Tanda tangani pakta"]:
        assert phone.get_by_role("button", name=name).bounding_box()["height"] >= 44
    pad = phone.locator("#signature-pad").bounding_box()
    assert pad["width"] >= 300 and pad["height"] >= 150
    # The page and everything it loads, uncompressed, well under 200 KB; nothing from elsewhere.
    assert all(url.startswith(live_server.url) for url in sizes)
    assert sum(sizes.values()) < 100_000, sizes

    draw_signature(phone)
    phone.get_by_role("button", name="Urungkan").click()
    phone.get_by_role("button", name="Hapus").click()
    draw_signature(phone)
    phone.get_by_label("Saya telah membaca dan menyetujui").check()
    screenshot(phone, "sign-phone")
    phone.get_by_role("button", name="Tanda tangani pakta").click()
    phone.wait_for_selector("text=Pakta sudah ditandatangani.")
    screenshot(phone, "confirmation-phone")
    assert Signature.objects.filter(invitation=invitation).count() == 1


def test_closed_ceremony_page(phone, live_server, invitation):
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(status=Ceremony.Status.CLOSED)
    phone.goto(live_server.url + reverse("pledges:sign", args=[invitation.token]))
    assert phone.get_by_text("Penandatanganan sudah ditutup.").is_visible()
    assert phone.locator("#signature-pad").count() == 0
    screenshot(phone, "closed-phone")
