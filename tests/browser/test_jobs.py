"""Long work in a real browser: an operator starts the link sheets of a large apel,
watches the progress bar (htmx polling, no inline script) climb to 100 % while a
real worker renders them, and downloads the PDF from the job's page."""

import time

import pytest
from django.urls import reverse

from roster.models import Employee
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.test_audit import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
INVITEES = 1500


def test_the_progress_bar_climbs_to_100_and_the_file_is_there(browser, page, live_server, world, workers):
    Employee.objects.bulk_create(
        [
            Employee(agency=world.agency_a, unit=world.unit_a, nip=factories.nip(90_000 + n), name=f"Pegawai {n:04d}")
            for n in range(INVITEES)
        ]
    )
    world.ceremony_a.invite(world.agency_a.employees.all())
    workers.start("browser-worker")
    log_in(page, live_server, "operator_a")
    page.goto(live_server.url + reverse("ceremonies:detail", args=[world.ceremony_a.pk]))
    page.get_by_role("button", name="Lembar tautan semua unit (PDF)").click()
    page.wait_for_url("**/berkas/*/")

    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        value = page.locator("#job-bar").get_attribute("value")
        if not seen or seen[-1] != value:
            seen.append(value)
            if len(seen) == 2:
                screenshot(page, "job-running-1280")
        if value == "100":
            break
        time.sleep(0.1)
    numbers = [int(value) for value in seen]
    assert numbers[-1] == 100, seen
    assert numbers[0] < 100 and numbers == sorted(numbers), seen  # it climbed, never went back
    assert any(0 < number < 100 for number in numbers), seen  # and was seen halfway
    link = page.locator("#job-download")
    link.wait_for()
    finished = page.locator("#job-progress").inner_text()
    assert f"{INVITEES + 4} dari {INVITEES + 4}" in finished and "100%" in finished  # and the 4 of the world
    screenshot(page, "job-done-1280")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
    assert response.headers["cache-control"] == "no-store"

    # The same page on a phone, and the person's list of files.
    phone = browser.new_context(locale="id-ID", viewport={"width": 360, "height": 740}, is_mobile=True)
    phone_page = phone.new_page()
    log_in(phone_page, live_server, "operator_a")
    phone_page.goto(page.url)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "job-done-360")
    phone_page.goto(live_server.url + reverse("jobs:index"))
    assert "Lembar tautan pribadi apel" in phone_page.locator("#jobs").inner_text()
    screenshot(phone_page, "jobs-index-360")
    phone.close()
