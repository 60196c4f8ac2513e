"""The apel kiosk on a real browser: an operator turns the device into a kiosk, twenty
signers sign in a row, and after each nothing of the previous signer is left — not in
the DOM, the history, the storage or the cookies."""

import pytest
from django.urls import reverse

from ceremonies.models import Invitation
from pledges.models import Kiosk, Signature
from roster.models import StaffProfile
from tests import factories
from tests.browser.axe import add_axe, check
from tests.browser.conftest import draw_signature, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGNERS = 20
KIOSK_COOKIES = {"netralitas_kiosk", "csrftoken"}


def traces(page):
    """Everything of the browser's own state a next signer could read."""
    return page.evaluate(
        """async () => ({
            html: document.documentElement.outerHTML,
            history: history.length,
            local: JSON.stringify(Object.entries(localStorage)),
            session: JSON.stringify(Object.entries(sessionStorage)),
            databases: (await indexedDB.databases()).map(d => d.name),
        })"""
    )


def test_twenty_signers_in_a_row_leave_nothing_behind(page, live_server, invitation):
    ceremony = invitation.ceremony
    factories.user("setda", role=StaffProfile.Role.OPERATOR, agency=ceremony.agency)
    # (Not the fixture's own employee: the form's help shows that very NIP as an example.)
    signers = [
        Invitation.objects.create(
            ceremony=ceremony,
            employee=factories.employee(ceremony.agency, unit=invitation.unit, name=f"Pegawai Kios {n:02d}"),
            unit=invitation.unit,
        )
        for n in range(SIGNERS)
    ]

    add_axe(page.context)
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Nama pengguna").fill("setda")
    page.get_by_label("Sandi").fill("rahasia-uji-123")
    page.get_by_role("button", name="Masuk").click()
    page.goto(live_server.url + ceremony.get_absolute_url())
    page.get_by_label("Nama kios").fill("Meja 1 — Aula")
    page.get_by_role("button", name="Jadikan perangkat ini kios").click()
    page.get_by_text("Kios apel: Meja 1 — Aula").wait_for()
    # The operator's staff session is gone from this device: only the kiosk's cookie.
    assert {cookie["name"] for cookie in page.context.cookies()} <= KIOSK_COOKIES
    page.goto(live_server.url + ceremony.get_absolute_url())
    assert "/akun/login/" in page.url
    page.goto(live_server.url + reverse("pledges:kiosk"))
    history = traces(page)["history"]
    faults = check(page, "kiosk start")
    page.set_viewport_size({"width": 1280, "height": 900})

    previous = None
    for signer in signers:
        employee = signer.employee
        page.get_by_label("NIP / NI PPPK / NIK").fill(employee.nip)
        page.get_by_label("Kode pribadi").fill(signer.code)
        page.get_by_role("button", name="Buka pakta saya").click()
        page.locator("table.identity").get_by_text(employee.name).wait_for()
        assert page.locator("aside.privacy").is_visible()
        if previous is None:
            faults += check(page, "kiosk signing step")
            page.set_viewport_size({"width": 1280, "height": 900})
        draw_signature(page)
        page.get_by_label("Saya telah membaca dan menyetujui").check()
        page.get_by_role("button", name="Tanda tangani pakta").click()
        page.get_by_text("Terima kasih. Tanda tangan tersimpan.").wait_for()

        signature = Signature.objects.get(invitation=signer)
        assert signature.method == Signature.Method.KIOSK and signature.kiosk_name == "Meja 1 — Aula"
        seen = traces(page)
        for trace in (employee.name, employee.nip, signer.code, "data:image/png"):
            assert trace not in seen["html"], trace
            assert trace not in seen["local"] + seen["session"], trace
        formatted_nip = f"{employee.nip[:8]} {employee.nip[8:14]} {employee.nip[14]} {employee.nip[15:]}"
        assert formatted_nip not in seen["html"]
        assert seen["history"] == history  # no entry added: the back button holds nobody
        assert seen["databases"] == []
        cookies = page.context.cookies()
        assert {cookie["name"] for cookie in cookies} <= KIOSK_COOKIES
        assert not any(employee.nip in cookie["value"] or employee.name in cookie["value"] for cookie in cookies)
        assert page.get_by_label("NIP / NI PPPK / NIK").input_value() == ""
        if previous is not None:
            assert previous.employee.name not in seen["html"]
        previous = signer
    screenshot(page, "kiosk-start-after-20")
    faults += check(page, "kiosk start after a signer")
    assert faults == [], "\n".join(faults)
    assert Signature.objects.filter(method=Signature.Method.KIOSK).count() == SIGNERS

    # Revoked from the apel page: the kiosk can do nothing more.
    Kiosk.objects.update(revoked_at=Signature.objects.latest("signed_at").signed_at)
    page.reload()
    assert page.get_by_text("Kios tidak aktif").first.is_visible()
