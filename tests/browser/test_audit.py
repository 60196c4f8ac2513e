"""An Inspektorat auditor in a real browser: log in, find the non-signers of a
ceremony, download one pact, a unit's ZIP, the recap PDF and the Excel recap,
and find those downloads in the audit trail."""

import csv
import hashlib
import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from pledges.documents import pact_document_create
from pledges.models import PactDocument
from pledges.pdf.certificates import create_dev_certificate
from pledges.services import signature_create
from pledges.signature_image import clean_signature_image
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_world(world, signature_data_url):
    """Agency A: two of the three employees of Sekretariat Daerah signed (with PDFs);
    the third, and the one in the sub-unit Bagian Umum, did not."""
    create_dev_certificate(world.agency_a)
    image = clean_signature_image(signature_data_url)
    world.signatures = []
    for invitation in world.invitations_a[:2]:
        signature, _ = signature_create(
            invitation=invitation, shown=factories.shown(invitation), image_png=image, method="link"
        )
        world.signatures.append(signature)
    in_own_thread(lambda: [pact_document_create(s.pk) for s in world.signatures])
    return world


def in_own_thread(work):
    """Run ``work`` off this thread: the PAdES seal runs its own asyncio loop, which
    cannot start inside the loop Playwright's sync API keeps in the test thread."""

    def run():
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(run).result()


def log_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Sandi").fill("rahasia-uji-123")
    page.get_by_role("button", name="Masuk").click()


def download(page, action):
    with page.expect_download() as info:
        action()
    download = info.value
    with open(download.path(), "rb") as handle:
        return download.suggested_filename, handle.read()


def test_auditor_finds_non_signers_and_downloads_the_evidence(page, live_server, signed_world, workers):
    world = signed_world
    workers.start("browser-worker")
    non_signers = [world.invitations_a[2].employee.name, world.invitations_a[3].employee.name]
    signers = [s.signer["name"] for s in world.signatures]

    log_in(page, live_server, "auditor_a")
    # Auditors land on their ceremonies; only the supervised agency's.
    page.wait_for_url(re.compile(r"/inspektorat/$"))
    assert page.get_by_text(world.ceremony_b.title).count() == 0
    page.get_by_role("link", name=re.compile(world.ceremony_a.title)).click()
    page.wait_for_url(re.compile(rf"/inspektorat/apel/{world.ceremony_a.pk}/"))
    totals = page.locator("details").inner_text()
    assert re.search(r"Sekretariat Daerah\s+2 / 3", totals)
    assert re.search(r"Bagian Umum\s+0 / 1", totals)

    # Who has not signed: status "Belum".
    page.get_by_label("Status").select_option(label="Belum")
    page.get_by_role("button", name="Saring").click()
    page.wait_for_url(re.compile(r"status=belum"))
    table = page.locator("table.audit-invitations tbody").inner_text()
    for name in non_signers:
        assert name in table
    for name in signers:
        assert name not in table
    screenshot(page, "audit-ceremony-belum")

    # One signed pact: search the signer by NIP, download the PDF.
    page.get_by_label("Status").select_option(label="Sudah")
    nip = world.signatures[0].signer["id_number"]
    page.get_by_label("Nama atau NIP").fill(nip)
    page.get_by_role("button", name="Saring").click()
    page.wait_for_url(re.compile(r"status=sudah"))
    assert page.locator("table.audit-invitations tbody tr").count() == 1
    name, data = download(page, lambda: page.get_by_role("link", name="Unduh", exact=True).click())
    assert name.startswith("pakta-pegawai-uji-") and name.endswith(f"-{world.signatures[0].display_code}.pdf")
    assert nip.replace(" ", "") not in name  # a file name never carries the NIP
    assert hashlib.sha256(data).hexdigest() == world.signatures[0].document.sha256

    # The unit's ZIP, from the totals per unit: two PDFs and a manifest that matches them.
    page.goto(live_server.url + reverse("inspektorat:ceremony", args=[world.ceremony_a.pk]))
    row = page.locator("details tr", has_text="Sekretariat Daerah")
    name, data = download(page, lambda: row.get_by_role("link", name="ZIP").click())
    assert name == f"pakta-apel{world.ceremony_a.pk}-sekretariat-daerah.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert sorted(row["Nama"] for row in manifest) == sorted(signers)
    for entry in manifest:
        assert hashlib.sha256(archive.read(entry["Berkas"])).hexdigest() == entry["SHA-256"]
        assert entry["SHA-256"] == PactDocument.objects.get(signature__signer__name=entry["Nama"]).sha256

    # The recap PDF (who signs it is asked first) and the Excel recap, made in the
    # background; the job's page follows them and offers the file.
    page.get_by_role("link", name="Rekap PDF", exact=True).click()
    page.get_by_label("Nama penanda tangan").fill("Drs. Ahmad Fauzi, M.Si.")
    page.get_by_label("Jabatan").fill("Inspektur Kota Bukittinggi")
    page.get_by_role("button", name="Buat rekap PDF").click()
    name, data = download(page, lambda: page.locator("#job-download").click())
    assert name == f"rekap-apel{world.ceremony_a.pk}.pdf" and data.startswith(b"%PDF")
    page.goto(live_server.url + reverse("inspektorat:ceremony", args=[world.ceremony_a.pk]))
    page.get_by_role("button", name="Rekap Excel", exact=True).click()
    name, data = download(page, lambda: page.locator("#job-download").click())
    assert name == f"rekap-apel{world.ceremony_a.pk}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    statuses = {row[1]: row[6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert all(statuses[name] == "Belum" for name in non_signers)
    assert all(statuses[name] == "Sudah" for name in signers)
    screenshot(page, "audit-ceremony")

    # Their own downloads, in the audit trail.
    page.get_by_role("link", name="Jejak audit").click()
    page.get_by_label("Tindakan").select_option(label="Mengunduh")
    page.get_by_label("Pengguna").fill("auditor_a")
    page.get_by_role("button", name="Saring").click()
    page.wait_for_url(re.compile(r"action=download"))
    trail = page.locator("table.audit-trail tbody").inner_text()
    assert "Mengunduh PDF pakta " + signers[0] in trail
    assert "Mengunduh ZIP pakta apel" in trail and "unit Sekretariat Daerah: 2 PDF" in trail
    assert f"Mengunduh berkas “rekap-apel{world.ceremony_a.pk}.pdf”" in trail
    assert f"Mengunduh berkas “rekap-apel{world.ceremony_a.pk}.xlsx”" in trail
    assert page.locator("table.audit-trail tbody tr").count() == 4
    screenshot(page, "audit-trail")
    assert AuditEvent.objects.filter(username="auditor_a", action=AuditEvent.Action.DOWNLOAD).count() == 4
