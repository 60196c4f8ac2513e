"""The printables as a person sees them on paper: every page rendered to PNG
(pdftoppm) and measured — the page is the paper asked for (A4, or F4 *folio*
215 × 330 mm), the margins are equal left and right and nothing (a cut line, a long
title) runs off the sheet; the QR codes scan to the right links."""

import re
import subprocess

import pytest
from django.urls import reverse
from PIL import Image

from ceremonies.models import Invitation
from tests import factories

pytestmark = pytest.mark.django_db

DPI = 200  # a QR module of the link cards is ~0.7 mm: 6 pixels, enough to scan
PAPERS = {"A4": (210, 297), "F4": (215, 330)}
LONG_TITLE = (
    "Apel Gabungan Pembacaan Ikrar Netralitas ASN dan Penandatanganan Pakta Integritas Netralitas "
    "dalam Pemilihan Gubernur, Bupati dan Wali Kota Serentak Tahun 2024 di Lingkungan Pemerintah Kota"
)


def to_mm(pixels):
    return pixels / DPI * 25.4


def rendered_pages(pdf_bytes, tmp_path, name):
    """Every page as a greyscale image, rendered by poppler as a viewer would."""
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", source, tmp_path / name], check=True)
    return [Image.open(path) for path in sorted(tmp_path.glob(f"{name}-*.png"))]


def ink_box(image):
    """(left, top, right, bottom) margins in mm: from each edge to the first ink."""
    ink = image.point(lambda value: 255 if value < 160 else 0)
    left, top, right, bottom = ink.getbbox()
    return to_mm(left), to_mm(top), to_mm(image.width - right), to_mm(image.height - bottom)


def check_sheet(image, paper):
    width, height = PAPERS[paper]
    assert to_mm(image.width) == pytest.approx(width, abs=0.5)
    assert to_mm(image.height) == pytest.approx(height, abs=0.5)
    left, top, right, bottom = ink_box(image)
    assert left == pytest.approx(right, abs=1.0), f"{paper}: left {left:.1f} mm, right {right:.1f} mm"
    assert min(left, right, top, bottom) >= 10, f"{paper}: {left:.1f} {top:.1f} {right:.1f} {bottom:.1f} mm"
    return left, top, right, bottom


def scan_cards(image, paper, tmp_path):
    """The links of the cards' QR codes, each card cut out and scanned alone as a
    phone sees one card (zbar, given a whole page of eight codes, now and then missed
    one): two columns, four rows within 12 mm margins, under a 15 mm header."""
    width, height = PAPERS[paper]
    card_width, card_height = (width - 24) / 2, (height - 24 - 15) / 4
    found = set()
    for slot in range(8):
        left, top = 12 + (slot % 2) * card_width, 12 + 15 + (slot // 2) * card_height
        box = [round(mm / 25.4 * DPI) for mm in (left, top, left + card_width, top + card_height)]
        found |= scan(image.crop(box), tmp_path)
    return found


def scan(image, tmp_path):
    path = tmp_path / "scan.png"
    image.save(path)
    result = subprocess.run(["zbarimg", "--quiet", "--raw", path], capture_output=True, text=True, check=False)
    return set(result.stdout.split())


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_link_sheets_fit_the_paper_with_equal_margins(client, world, started_job, tmp_path, paper):
    world.ceremony_a.title = LONG_TITLE
    world.ceremony_a.save()
    long_unit = factories.unit(world.agency_a, "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia " * 3)
    for number in range(6):  # two pages: a full one and a part
        employee = factories.employee(world.agency_a, unit=long_unit, name=f"Pegawai Nama Panjang Sekali {number}")
        Invitation.objects.create(ceremony=world.ceremony_a, employee=employee, unit=long_unit)
    client.force_login(world.operator_a)
    url = reverse("ceremonies:link_sheets", args=[world.ceremony_a.pk])
    job, data = started_job(url, {"kertas": paper} if paper != "A4" else {})
    assert job.result["pages"] == 2
    pages = rendered_pages(data, tmp_path, f"sheets-{paper}")
    assert len(pages) == 2
    for image in pages:
        check_sheet(image, paper)
    links = {invitation.public_url for invitation in world.ceremony_a.invitations.all()}
    assert len(scan_cards(pages[0], paper, tmp_path) & links) == 8  # every card of a full page scans


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_poster_fits_the_paper_with_equal_margins(client, world, tmp_path, paper):
    world.ceremony_a.title = LONG_TITLE
    world.ceremony_a.save()
    client.force_login(world.operator_a)
    url = reverse("ceremonies:poster", args=[world.ceremony_a.pk])
    response = client.get(url, {"kertas": paper} if paper != "A4" else {})
    (image,) = rendered_pages(response.content, tmp_path, f"poster-{paper}")
    check_sheet(image, paper)
    assert world.ceremony_a.apel_url in scan(image, tmp_path)


@pytest.mark.parametrize("paper", ["Letter", "a5", "0", "²"])
def test_an_unknown_paper_is_a_404_with_nothing_recorded_or_started(client, world, paper):
    """A printable is the paper asked for or nothing: never an A4 recorded as what
    was asked."""
    from audit.models import AuditEvent
    from jobs.models import Job

    client.force_login(world.operator_a)
    assert client.get(reverse("ceremonies:poster", args=[world.ceremony_a.pk]), {"kertas": paper}).status_code == 404
    url = reverse("ceremonies:link_sheets", args=[world.ceremony_a.pk])
    assert client.post(url, {"kertas": paper}).status_code == 404
    assert client.post(url, {"kertas": paper, "unit": world.unit_a.pk}).status_code == 404
    assert not Job.objects.exists()
    assert not AuditEvent.objects.exists()


def test_every_printable_downloads_under_its_own_name_with_the_paper_and_the_units_name(client, world, run_jobs):
    """A4 and F4, one unit or all, all or only the unsigned: each file its own name,
    the unit by its name (slugified), never an NIP or a token."""
    unit = factories.unit(world.agency_a, "Badan Kepegawaian & Pengembangan SDM")
    employee = factories.employee(world.agency_a, unit=unit, name="Budi Santoso")
    invitation = Invitation.objects.create(ceremony=world.ceremony_a, employee=employee, unit=unit)
    client.force_login(world.operator_a)
    pk = world.ceremony_a.pk

    def poster_name(paper):
        response = client.get(reverse("ceremonies:poster", args=[pk]), {"kertas": paper})
        return re.search(r'filename="([^"]+)"', response["Content-Disposition"])[1]

    def sheet_name(data):
        client.post(reverse("ceremonies:link_sheets", args=[pk]), data)
        (job,) = run_jobs()
        assert job.status == "done", job.message
        download = client.get(reverse("jobs:download", args=[job.pk]))
        assert f'filename="{job.filename}"' in download["Content-Disposition"]
        return job.filename

    posters = {paper: poster_name(paper) for paper in ("A4", "F4")}
    assert posters == {"A4": f"poster-apel-{pk}-A4.pdf", "F4": f"poster-apel-{pk}-F4.pdf"}
    sheets = [
        sheet_name({}),
        sheet_name({"kertas": "F4"}),
        sheet_name({"belum": "1"}),
        sheet_name({"unit": unit.pk}),
        sheet_name({"unit": unit.pk, "kertas": "F4"}),
        sheet_name({"unit": unit.pk, "belum": "1", "kertas": "F4"}),
    ]
    assert sheets == [
        f"tautan-apel-{pk}-A4.pdf",
        f"tautan-apel-{pk}-F4.pdf",
        f"tautan-apel-{pk}-belum-A4.pdf",
        f"tautan-apel-{pk}-badan-kepegawaian-pengembangan-sdm-A4.pdf",
        f"tautan-apel-{pk}-badan-kepegawaian-pengembangan-sdm-F4.pdf",
        f"tautan-apel-{pk}-badan-kepegawaian-pengembangan-sdm-belum-F4.pdf",
    ]
    for name in [*posters.values(), *sheets]:
        assert employee.nip not in name and invitation.token not in name and invitation.code not in name
        assert f"unit{unit.pk}" not in name
