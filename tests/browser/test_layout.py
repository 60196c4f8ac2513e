"""What a user notices on screen, at the widths they use: a phone (360 px) and an
office screen (1280 px). Tables fit their box (nothing cut off to the right), the
apel list reads in the agency's zone in a sensible order, the home page's buttons
line up, and a new apel says what it is missing before signing can open."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ceremonies.models import Ceremony, Invitation
from pledges.pdf.certificates import create_dev_certificate
from pledges.services import signature_create
from pledges.signature_image import clean_signature_image
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.test_audit import in_own_thread, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_UNIT = "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"
LONG_NAME = "Prof. Dr. dr. Hj. Raden Ajeng Sri Wahyuningsih Kusumaningrum, Sp.PD-KGEH., M.Kes., FINASIM"


def overflow(page, selector):
    """How many pixels the element's content is wider than its box."""
    return page.eval_on_selector(selector, "element => element.scrollWidth - element.clientWidth")


def inside_viewport(page, locator):
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_auditors_table_fits_at_1280_with_code_and_download_visible(page, live_server, world, signature_data_url):
    from pledges.documents import pact_document_create

    create_dev_certificate(world.agency_a)
    unit = factories.unit(world.agency_a, LONG_UNIT)
    employee = factories.employee(world.agency_a, unit=unit, name=LONG_NAME, rank="Pembina Utama Muda (IV/c)")
    invitations = [Invitation.objects.create(ceremony=world.ceremony_a, employee=employee, unit=unit)]
    invitations += world.invitations_a[:2]
    image = clean_signature_image(signature_data_url)
    signatures = [
        signature_create(invitation=i, shown=factories.shown(i), image_png=image, method="link")[0] for i in invitations
    ]
    in_own_thread(lambda: [pact_document_create(s.pk) for s in signatures])

    log_in(page, live_server, "auditor_a")
    page.goto(live_server.url + reverse("inspektorat:ceremony", args=[world.ceremony_a.pk]))
    screenshot(page, "layout-audit-1280")
    assert overflow(page, ".table-responsive:has(.audit-invitations)") <= 0
    table = page.locator(".table-responsive:has(.audit-invitations)")
    box = table.bounding_box()
    for header in ["Kode verifikasi", "PDF"]:
        cell = table.get_by_role("columnheader", name=header, exact=True)
        cell_box = cell.bounding_box()
        assert cell_box["x"] + cell_box["width"] <= box["x"] + box["width"] + 1, header
    row = table.locator("tr", has_text=LONG_NAME)
    download = row.get_by_role("link", name="Unduh")
    assert inside_viewport(page, download)
    assert row.get_by_text(signatures[0].display_code).is_visible()


def test_employee_list_at_360_shows_whole_nips_and_ubah(phone, live_server, world):
    unit = factories.unit(world.agency_a, LONG_UNIT)
    factories.employee(world.agency_a, unit=unit, name=LONG_NAME, position="Kepala Sub Bagian Umum dan Kepegawaian")
    log_in(phone, live_server, "operator_a")
    phone.goto(live_server.url + reverse("roster:employees"))
    screenshot(phone, "layout-employees-360")
    assert overflow(phone, ".table-responsive") <= 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    for employee in world.employees_a:
        cell = phone.get_by_role("cell", name=str(employee.identifier), exact=True)
        assert inside_viewport(phone, cell), employee.identifier
        assert cell.evaluate("cell => cell.scrollWidth <= cell.clientWidth")
    edit_links = phone.get_by_role("link", name="Ubah", exact=True)
    assert edit_links.count() == 5
    for index in range(edit_links.count()):
        assert inside_viewport(phone, edit_links.nth(index))


@pytest.mark.parametrize("width", [360, 1280])
def test_home_buttons_line_up(browser, live_server, width):
    context = browser.new_context(locale="id-ID", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/")
    screenshot(page, f"layout-home-{width}")
    first = page.get_by_role("link", name="Masuk untuk staf").bounding_box()
    second = page.get_by_role("link", name="Periksa keaslian pakta").bounding_box()
    if second["y"] >= first["y"] + first["height"]:  # wrapped below: flush with the first
        assert second["x"] == pytest.approx(first["x"], abs=1)
    else:  # side by side, on one line
        assert second["y"] == pytest.approx(first["y"], abs=1)
    assert second["x"] + second["width"] <= width
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_apel_list_open_then_upcoming_then_past_in_the_agencys_zone(browser, live_server, world, width):
    world.agency_a.time_zone = "Asia/Makassar"  # WITA
    world.agency_a.save()
    now = timezone.now()
    Ceremony.objects.filter(pk=world.ceremony_a.pk).update(
        title="Apel yang sedang dibuka", starts_at=now - datetime.timedelta(days=400)
    )
    factories.ceremony(
        world.agency_a,
        title="Apel 2024 yang sudah lewat",
        status=Ceremony.Status.CLOSED,
        starts_at=datetime.datetime(2024, 9, 26, 0, 0, tzinfo=datetime.UTC),
    )
    factories.ceremony(
        world.agency_a,
        title="Apel bulan depan",
        status=Ceremony.Status.SCHEDULED,
        starts_at=now + datetime.timedelta(days=30),
    )
    factories.ceremony(
        world.agency_a,
        title="Apel minggu depan dengan nama yang panjang sekali sampai harus terlipat di ponsel",
        status=Ceremony.Status.SCHEDULED,
        starts_at=now + datetime.timedelta(days=7),
    )
    context = browser.new_context(locale="id-ID", viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server, "operator_a")
    page.goto(live_server.url + reverse("ceremonies:index"))
    screenshot(page, f"layout-apel-list-{width}")
    items = page.locator(".list-group-item")
    titles = [items.nth(i).locator(".fw-semibold").inner_text() for i in range(items.count())]
    assert titles == [
        "Apel yang sedang dibuka",
        "Apel minggu depan dengan nama yang panjang sekali sampai harus terlipat di ponsel",
        "Apel bulan depan",
        "Apel 2024 yang sudah lewat",
    ]
    assert "26 September 2024, pukul 08.00 WITA" in items.nth(3).inner_text()
    # The status badge sits at the top right of every item, however long the title.
    rights = []
    for i in range(items.count()):
        item, badge = items.nth(i).bounding_box(), items.nth(i).locator(".badge").bounding_box()
        assert badge["y"] - item["y"] < 24, titles[i]
        rights.append(round(item["x"] + item["width"] - (badge["x"] + badge["width"])))
    assert max(rights) - min(rights) <= 1, rights
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_a_new_apel_says_what_is_missing_then_opens_and_closing_asks(page, live_server, world):
    create_dev_certificate(world.agency_a)
    new = factories.ceremony(world.agency_a, title="Apel baru", status=Ceremony.Status.SCHEDULED)
    log_in(page, live_server, "operator_a")
    page.goto(live_server.url + new.get_absolute_url())
    screenshot(page, "readiness-new-apel")
    panel = page.locator("#readiness")
    assert "belum ada pegawai yang diundang" in panel.locator("#ready-invitations").inner_text()
    assert "Siap: sertifikat segel berlaku sampai" in panel.locator("#ready-certificate").inner_text()
    assert page.get_by_role("button", name="Buka penandatanganan").count() == 0

    panel.get_by_role("link", name="Undang unit atau pegawai").click()
    page.get_by_label("Sekretariat Daerah").check()
    page.get_by_role("button", name="Undang unit terpilih").click()
    page.wait_for_selector("text=undangan baru")
    assert "pegawai diundang" in page.locator("#ready-invitations").inner_text()
    page.get_by_role("button", name="Buka penandatanganan").click()
    page.wait_for_selector("text=Penandatanganan dibuka.")

    page.get_by_role("link", name="Tutup penandatanganan").click()
    page.wait_for_selector("text=Tutup penandatanganan?")
    screenshot(page, "readiness-close-confirm")
    page.get_by_role("link", name="Batal").click()
    new.refresh_from_db()
    assert new.signing_state() == Ceremony.SigningState.OPEN  # cancelled: still open
    page.get_by_role("link", name="Tutup penandatanganan").click()
    page.get_by_role("button", name="Ya, tutup penandatanganan").click()
    page.wait_for_selector("text=Penandatanganan ditutup.")
    new.refresh_from_db()
    assert new.signing_state() == Ceremony.SigningState.CLOSED
