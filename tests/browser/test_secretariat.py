"""An operator, as a new user would: log in, import the roster, schedule an apel,
invite a unit, print, open signing, and watch a signature arrive on the board."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ceremonies.models import Ceremony
from roster.models import Employee
from tests import factories
from tests.browser.conftest import draw_signature, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROSTER = (
    "NIP,Nama,Jenis Kepegawaian,Pangkat/Golongan,Jabatan,Unit Kerja\n"
    '19800101 200501 1 001,"Budi Santoso, S.E.",PNS,Penata (III/c),Analis,Sekretariat Daerah\n'
    '19850312 201003 2 002,"Rina Marlina, S.H.",PNS,Penata Muda (III/a),Pengelola Data,Sekretariat Daerah\n'
    "1.98E+17,Dari Excel,PNS,,,Sekretariat Daerah\n"
)


def test_operator_runs_an_apel_end_to_end(browser, page, live_server, agency, tmp_path, workers):
    from roster.models import StaffProfile

    workers.start("browser-worker")
    factories.unit(agency, "Sekretariat Daerah")
    factories.user("setda", role=StaffProfile.Role.OPERATOR, agency=agency, password="rahasia-uji-123")
    election = factories.election()
    pact = factories.pact_template()

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Masuk untuk staf").click()
    page.get_by_label("Nama pengguna").fill("setda")
    page.get_by_label("Sandi").fill("rahasia-uji-123")
    page.locator("main").get_by_role("button", name="Masuk").click()
    page.wait_for_selector("text=Jadwalkan apel")

    # Roster: upload, preview (a background job: the page follows it), confirm (another one).
    page.get_by_role("link", name="Pegawai", exact=True).click()
    page.get_by_role("link", name="Impor daftar pegawai").first.click()
    roster = tmp_path / "pegawai.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    page.get_by_label("Berkas daftar pegawai").set_input_files(str(roster))
    page.get_by_role("button", name="Lihat pratinjau").click()
    assert page.locator("#count-new").inner_text() == "2"
    assert page.locator("#count-rejected").inner_text() == "1"
    assert "Format kolom NIP sebagai Teks" in page.locator("#rejected").inner_text()
    screenshot(page, "secretariat-import-preview")
    page.get_by_role("button", name="Simpan 2 baru dan 0 perubahan").click()
    page.wait_for_selector("text=Impor pegawai.csv selesai: 2 baru")
    assert Employee.objects.filter(agency=agency).count() == 2

    # Schedule the apel.
    page.get_by_role("link", name="Apel", exact=True).click()
    page.get_by_role("link", name="Jadwalkan apel").click()
    page.get_by_label("Nama apel").fill("Apel Ikrar Netralitas ASN Pilkada 2024")
    page.get_by_label("Pemilihan").select_option(str(election.pk))
    page.get_by_label("Versi pakta").select_option(str(pact.pk))
    page.get_by_label("Waktu apel").fill("2024-09-26T08:00")
    page.get_by_label("Tempat").fill("Lapangan Balai Kota")
    page.get_by_label("Pemimpin apel").fill("Pjs Wali Kota")
    page.get_by_label("Saksi").fill("KPU Kota\nBawaslu Kota")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_selector("text=Apel disimpan.")
    ceremony = Ceremony.objects.get(agency=agency)

    # Invite the unit.
    page.locator("#readiness").get_by_role("link", name="Undang unit atau pegawai").click()  # the panel says so
    page.get_by_label("Sekretariat Daerah").check()
    page.get_by_role("button", name="Undang unit terpilih").click()
    page.wait_for_selector("text=2 undangan baru")

    # Printables are real PDFs: the poster at once, the link sheets from their job's page.
    href = page.get_by_role("link", name="Poster QR apel (PDF)").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    page.get_by_role("button", name="Lembar tautan semua unit (PDF)").click()
    href = page.locator("#job-download").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    page.get_by_role("link", name="Kembali").click()

    # Open signing and watch the board.
    page.get_by_role("button", name="Buka penandatanganan").click()
    page.wait_for_selector("text=Penandatanganan dibuka.")
    page.get_by_role("link", name="Papan pantau langsung").click()
    assert page.locator("#board-signed").inner_text() == "0"
    assert page.locator("#board-invited").inner_text() == "2"

    invitation = ceremony.invitations.get(employee__nip="198001012005011001")
    signer = browser.new_context(locale="id-ID", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone = signer.new_page()
    phone.goto(live_server.url + reverse("pledges:sign", args=[invitation.token]))
    draw_signature(phone)
    phone.get_by_label("Saya telah membaca dan menyetujui").check()
    phone.get_by_role("button", name="Tanda tangani pakta").click()
    phone.wait_for_selector("text=Pakta sudah ditandatangani.")
    signer.close()

    # The board refreshes itself (htmx polling): no reload.
    expect(page.locator("#board-signed")).to_have_text("1", timeout=15_000)
    assert "Budi Santoso, S.E." in page.locator("#board").inner_text()
    screenshot(page, "secretariat-board")
