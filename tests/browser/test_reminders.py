"""Reminders in a real browser, on a 360 px phone and at 1280 px: from "Yang belum
menandatangani" an operator opens WhatsApp for one person (the form records, then
the browser follows the redirect to wa.me — allowed by the page's CSP), copies the
unit head's message, prints the unit's reminder sheet and sends its emails through
a real SMTP server; the live board counts who was reminded."""

import pytest
from django.urls import reverse

from ceremonies.models import Reminder
from roster.models import Employee
from tests.browser.conftest import screenshot
from tests.browser.test_audit import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BASE = "https://netralitas.example.go.id"


def watch_whatsapp(context):
    """The addresses on wa.me the browser went to. There is no network here (the
    request then fails to resolve), and Playwright cannot stub the target of a
    redirect: that the request left the browser is what proves the page's CSP lets
    the form's redirect through — a blocked one never leaves."""
    opened, refused = [], []
    context.on("request", lambda request: opened.append(request.url) if "wa.me/" in request.url else None)
    context.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
    return opened, refused


def remind_a_unit(page, live_server, world, run_jobs, smtp_server, width):
    context = page.context
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    opened, refused = watch_whatsapp(context)
    Employee.objects.filter(pk=world.employees_a[0].pk).update(phone="6281234567890", email="satu@example.go.id")
    ceremony = world.ceremony_a
    log_in(page, live_server, "operator_a")
    page.goto(live_server.url + reverse("ceremonies:unsigned", args=[ceremony.pk]))
    table = page.locator("#unsigned")
    assert "0812-3456-7890" in table.inner_text()
    # Nothing runs off the side of a phone: the page is as wide as the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"reminders-unsigned-{width}")

    # WhatsApp to one person: recorded, then wa.me opens in a new tab with the message.
    name = world.employees_a[0].name
    row = table.locator("tr", has_text=name)
    with context.expect_page() as popup:
        row.get_by_role("button", name="WhatsApp").click()
    tab = popup.value
    tab.wait_for_load_state()
    assert len(opened) == 1 and opened[0].startswith("https://wa.me/6281234567890?text=Yth.")
    assert world.invitations_a[0].token in opened[0] and not refused
    tab.close()
    assert Reminder.objects.filter(channel="whatsapp").count() == 1

    # One unit: its reminder panel; the unit head's message is copied and recorded.
    page.locator("select[name=unit]").select_option(str(world.unit_a.pk))
    page.get_by_role("button", name="Saring").click()
    panel = page.locator("#reminders")
    panel.wait_for()
    assert "Ingatkan Sekretariat Daerah: 3 pegawai belum menandatangani" in panel.inner_text()
    button = panel.get_by_role("button", name="Salin pesan")
    button.click()
    page.wait_for_selector("text=Disalin dan dicatat")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Yth. Kepala Sekretariat Daerah" in copied and f"{BASE}/t/{world.invitations_a[2].token}/" in copied
    assert Reminder.objects.filter(channel="whatsapp_unit").count() == 3
    screenshot(page, f"reminders-unit-{width}")

    # The reminder sheet: one click, then its job's page; the worker makes the PDF.
    panel.get_by_role("button", name="Cetak lembar pengingat").click()
    page.wait_for_url("**/berkas/*/")
    assert "Lembar pengingat apel" in page.locator("h1").inner_text()
    (job,) = run_jobs()
    assert job.status == "done", job.message
    page.reload()
    response = page.request.get(live_server.url + page.locator("#job-download").get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
    page.get_by_role("link", name="Kembali").click()

    # Email: one address known in the unit.
    page.get_by_role("button", name="Kirim email pengingat (1 alamat)").click()
    page.wait_for_url("**/berkas/*/")
    (job,) = run_jobs()
    page.reload()
    assert "1 email pengingat terkirim." in page.locator("#job-message").inner_text()
    assert [message["To"] for message in smtp_server.messages] == ["satu@example.go.id"]

    page.goto(live_server.url + reverse("ceremonies:board", args=[ceremony.pk]))
    assert "Diingatkan: 3 pegawai" in page.locator("#board-reminded").inner_text()
    screenshot(page, f"reminders-board-{width}")


def test_operator_reminds_a_unit_at_1280(page, live_server, world, run_jobs, smtp_server):
    remind_a_unit(page, live_server, world, run_jobs, smtp_server, 1280)


def test_operator_reminds_a_unit_on_a_phone(phone, live_server, world, run_jobs, smtp_server):
    remind_a_unit(phone, live_server, world, run_jobs, smtp_server, 360)
