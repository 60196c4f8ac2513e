"""The signed pact PDF, read back: text, PDF/A markers, fonts, PAdES, QR, safety."""

import http.server
import io
import re
import subprocess
import threading

import pdfplumber
import pypdfium2
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from ceremonies.models import Invitation
from netralitas.lib.dates import MONTHS
from netralitas.lib.pdf.fetcher import ProjectFilesFetcher, RefusedURL
from netralitas.lib.pdf.weasyprint_pinned.overlays import direct_overlays
from pledges.documents import pact_document_create
from pledges.models import PactDocument, sha256_hex
from pledges.pdf.certificates import trust_roots
from pledges.pdf.pact import build_signed_pdf, compose_pact
from pledges.services import signature_create
from pledges.signature_image import clean_signature_image
from tests import factories, stored
from tests.pdfa import assert_pdfa_2u

pytestmark = pytest.mark.django_db


def pdf_text(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        return pdf.pages[0].extract_text()


def flat(text):
    return re.sub(r"\s+", " ", text)


def validation_status(data, agency):
    reader = PdfFileReader(io.BytesIO(data))
    (embedded,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=trust_roots(agency))
    return validate_pdf_signature(embedded, context)


def forget_overlay_plans():
    """The next pact of a ceremony is its first in this process: WeasyPrint lays out
    the signer's parts, and that layout teaches the ceremony's plan."""
    direct_overlays.reset()


@pytest.fixture(params=["weasyprint-overlay", "direct-overlay"])
def pdf(request, signature):
    """The sealed pact, the signer's parts laid out by WeasyPrint (a ceremony's first
    signer in a process) or drawn directly from the ceremony's plan (every later one)."""
    forget_overlay_plans()
    if request.param == "direct-overlay":
        build_signed_pdf(signature)
        assert compose_pact(signature).direct
    return build_signed_pdf(signature)


def test_text_reads_back(pdf, signature):
    text = flat(pdf_text(pdf))
    for expected in [
        "PAKTA INTEGRITAS NETRALITAS ASN",
        "Saya yang bertanda tangan di bawah ini:",
        "Budi Santoso, S.E., M.Si.",
        "19800101 200501 1 001",
        "Penata Tingkat I (III/d)",
        "Kepala Bagian Umum",
        "Sekretariat Daerah",
        "Pemilihan Kepala Daerah Tahun 2024",
        "Yang membuat pernyataan",
        signature.display_code,
        signature.text_sha256,
    ]:
        assert expected in text, expected
    for point in signature.pact["points"]:
        assert flat(point) in text
    # The place and date line, as officials write it, in the agency's time zone.
    months = "|".join(MONTHS)
    assert re.search(rf"Bukittinggi, \d{{1,2}} ({months}) \d{{4}}", text)


def test_pdfa_markers_survive_the_signature(pdf):
    reader = PdfFileReader(io.BytesIO(pdf))
    root = reader.root
    intents = root["/OutputIntents"]
    assert any(intent.get_object()["/S"] == "/GTS_PDFA1" for intent in intents)
    metadata = root["/Metadata"].get_object().data.decode()
    assert re.search(r'pdfaid:part(="|>)2', metadata)
    assert re.search(r'pdfaid:conformance(="|>)U', metadata)
    # Signed as an incremental update: the original file is a prefix of the signed one.
    assert pdf.count(b"%%EOF") == 2


def test_pdfa_invariants_hold_after_sealing(pdf):
    """No PDF 2.0 or ISO 32002 declaration from the ECDSA seal, fonts embedded, no
    encryption or JavaScript (tests/pdfa.py)."""
    assert_pdfa_2u(pdf)
    assert b"/Version /2.0" not in pdf and b"/ISO_" not in pdf


def all_fonts(resources, seen=None):
    """Every font reachable from a resource dictionary, form XObjects included."""
    seen = set() if seen is None else seen
    resources = resources.get_object()
    font_dict = resources["/Font"].get_object() if "/Font" in resources else {}
    xobject_dict = resources["/XObject"].get_object() if "/XObject" in resources else {}
    fonts = [ref.get_object() for ref in font_dict.values()]
    for ref in xobject_dict.values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
            seen.add(id(xobject))
            fonts += all_fonts(xobject["/Resources"], seen)
    return fonts


def test_every_font_is_embedded(pdf):
    reader = PdfFileReader(io.BytesIO(pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    fonts = all_fonts(page["/Resources"])
    assert len(fonts) >= 4  # regular and bold, in the shared text and in the signer's parts
    for font in fonts:
        descendants = font.get("/DescendantFonts")
        descriptor_owner = descendants[0].get_object() if descendants else font
        descriptor = descriptor_owner["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font
        assert "/ToUnicode" in font  # PDF/A-2u: text extractable as Unicode
    # pyHanko's default visible stamp would bring a non-embedded Courier: we use none.
    assert b"/Courier" not in pdf


def test_signature_validates(pdf, agency):
    status = validation_status(pdf, agency)
    assert status.intact and status.valid
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.subject.native["organization_name"] == agency.name


def test_changing_one_byte_breaks_the_signature(pdf, agency):
    # Change a byte inside the signed range (in the page content, well before the signature).
    position = pdf.index(b"stream") + 40
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]
    status = validation_status(tampered, agency)
    assert not status.intact
    assert not status.bottom_line


def words(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [(w["text"], round(w["x0"], 1), round(w["top"], 1)) for w in pdf.pages[0].extract_words()]


def test_composed_pact_reads_exactly_like_a_single_render(signature):
    forget_overlay_plans()
    composed = build_signed_pdf(signature)
    single = build_signed_pdf(signature, compose=False)
    assert sorted(words(composed)) == sorted(words(single))
    assert b"/NtlOverlay" in composed and b"/NtlOverlay" not in single


# Signers after a ceremony's first, whose parts are drawn without WeasyPrint.
LATER_SIGNERS = {
    "typical": {"name": "Siti Rahmawati, S.E."},
    "position and unit that wrap": {
        "position": "Analis Kebijakan Ahli Muda pada Bidang Pencegahan dan Pengendalian Penyakit Menular "
        "dan Tidak Menular",
        "unit": "Dinas Kesehatan, Pengendalian Penduduk dan Keluarga Berencana Kota Bukittinggi",
    },
    "letters beyond ASCII": {"name": "Ni Luh Putu Ayu Ésthér Wahyuni, S.Kom., M.T."},
    "apostrophes": {"name": "Muhammad D'Angelo Yılmaz O’Brien Müller, S.H."},
    "markup in a name": {"name": '<b>Budi</b> & "Santoso" <img src="http://127.0.0.1:9/x.png">'},
    "PPPK": {"employment_type": "PPPK", "nip": "199001012023212001"},
    "NIK": {"employment_type": "NON_ASN", "nip": None, "nik": "1375014101900002"},
}


def later_signer(signature, data_url, *, unit=None, **fields):
    """A signature of another employee at the same ceremony as ``signature``."""
    ceremony = signature.invitation.ceremony
    unit = factories.unit(ceremony.agency, unit) if unit else signature.invitation.unit
    employee = factories.employee(ceremony.agency, unit=unit, **fields)
    invitation = Invitation.objects.create(ceremony=ceremony, employee=employee, unit=unit)
    return signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=clean_signature_image(data_url),
        method="link",
    )[0]


@pytest.mark.parametrize("variant", LATER_SIGNERS)
def test_later_signers_parts_are_drawn_directly_where_a_single_render_puts_them(variant, signature, signature_data_url):
    forget_overlay_plans()
    build_signed_pdf(signature)  # the ceremony's first signer teaches the plan
    other = later_signer(signature, signature_data_url, **LATER_SIGNERS[variant])
    assert compose_pact(other).direct
    composed = build_signed_pdf(other)
    single = build_signed_pdf(other, compose=False)
    assert sorted(words(composed)) == sorted(words(single))
    # Text extracts through the overlay's own fonts' ToUnicode maps, whatever letters it has.
    text = flat(pdf_text(composed))
    assert text.count(other.signer["name"]) == 2  # the identity block and under the signature
    assert other.identifier.on_document in text and other.display_code in text
    assert_pdfa_2u(composed)
    assert validation_status(composed, signature.invitation.ceremony.agency).valid


def test_the_overlays_fonts_are_embedded_subsets_with_unicode_maps(signature, signature_data_url):
    forget_overlay_plans()
    build_signed_pdf(signature)
    other = later_signer(signature, signature_data_url, **LATER_SIGNERS["letters beyond ASCII"])
    reader = PdfFileReader(io.BytesIO(build_signed_pdf(other)))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    overlay = page["/Resources"]["/XObject"]["/NtlOverlay"].get_object()
    fonts = [ref.get_object() for ref in overlay["/Resources"]["/Font"].values()]
    assert len(fonts) == 2  # regular and bold
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object()
        font_file = descendant["/FontDescriptor"]["/FontFile2"].get_object()
        assert 0 < len(font_file.data) < 40_000  # a subset, not the whole font
        assert re.fullmatch(r"/[A-Z]{6}\+Pakta-Serif(-Bold)?", font["/BaseFont"])
        assert "/ToUnicode" in font
    unicode_maps = b"".join(font["/ToUnicode"].get_object().data for font in fonts)
    assert b"<00c9>" in unicode_maps and b"<00e9>" in unicode_maps  # É and é


def test_signers_the_plan_does_not_cover_are_laid_out_by_weasyprint(signature, signature_data_url):
    forget_overlay_plans()
    build_signed_pdf(signature)
    other = later_signer(signature, signature_data_url, name="عبد الله بن محمد")
    assert not compose_pact(other).direct  # right-to-left text
    assert sorted(words(build_signed_pdf(other))) == sorted(words(build_signed_pdf(other, compose=False)))


def test_signers_of_one_ceremony_share_the_base(signature, ceremony, signature_data_url):
    from pledges.pdf import pact as compose

    compose._cache.pdfs.clear()
    compose._cache.geometry.clear()
    others = []
    for _ in range(3):
        employee = factories.employee(ceremony.agency, name="Pegawai Pendek", position="Analis", rank="III/a")
        invitation = Invitation.objects.create(ceremony=ceremony, employee=employee, unit=signature.invitation.unit)
        others.append(
            signature_create(
                invitation=invitation,
                shown=factories.shown(invitation),
                image_png=clean_signature_image(signature_data_url),
                method="link",
            )[0]
        )
    for other in others:
        assert other.display_code in pdf_text(build_signed_pdf(other))
    assert len(compose._cache.geometry) == 1
    assert len(compose._cache.pdfs) == 1  # one base for three signers whose identity blocks are alike


def test_qr_code_scans_to_the_verification_page(pdf, signature, tmp_path):
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=4).to_pil()
    path = tmp_path / "pact.png"
    image.save(path)
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=False)
    assert result.stdout.strip() == signature.public_url


def test_longest_names_stay_on_one_page(invitation, signature_data_url):
    employee = invitation.employee
    employee.name = (
        "Prof. Dr. dr. Hj. Raden Ajeng Sri Wahyuningsih Kusumaningrum Purbaningrat Hadiningrat, "
        "Sp.PD-KGEH., M.Kes., M.H.Kes., FINASIM, FACP"
    )
    employee.position = (
        "Kepala Bidang Pencegahan dan Pengendalian Penyakit Menular dan Tidak Menular serta Kesehatan Jiwa "
        "pada Dinas Kesehatan Pengendalian Penduduk dan Keluarga Berencana"
    )
    employee.rank = "Pembina Utama Muda (IV/c)"
    employee.save()
    invitation.unit.name = "Dinas Kesehatan, Pengendalian Penduduk dan Keluarga Berencana Kota Bukittinggi"
    invitation.unit.save()
    signature, _ = signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=clean_signature_image(signature_data_url),
        method="link",
    )
    text = flat(pdf_text(build_signed_pdf(signature)))  # pdf_text asserts a single page
    assert "Purbaningrat Hadiningrat" in text
    assert "Keluarga Berencana" in text


def test_longest_possible_values_fit_one_page(invitation, signature_data_url):
    """Every field at its maximum length, with the real four-point pact: still one page."""
    import json

    from django.conf import settings

    demo = json.loads((settings.BASE_DIR / "fixtures" / "demo.json").read_text())
    real = next(o for o in demo if o["model"] == "pledges.pacttemplate")["fields"]
    template = invitation.ceremony.pact_template
    for field in ("title", "intro", "opening", "points", "closing"):
        setattr(template, field, real[field])
    template.save()
    employee = invitation.employee
    employee.name = ("Prof. Dr. dr. Hj. Raden Ajeng Sri Wahyuningsih Kusumaningrum " * 4)[:200]
    employee.position = ("Kepala Bidang Pencegahan dan Pengendalian Penyakit Menular " * 6)[:300]
    employee.rank = ("Pembina Utama Muda " * 6)[:100]
    employee.save()
    invitation.unit.name = ("Dinas Kesehatan Pengendalian Penduduk dan Keluarga Berencana " * 4)[:200]
    invitation.unit.save()
    signature, _ = signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=clean_signature_image(signature_data_url),
        method="link",
    )
    text = flat(pdf_text(build_signed_pdf(signature)))  # pdf_text asserts a single page
    assert "Menolak politik uang" in text
    assert signature.display_code in text


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        RecordingHandler.requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_hostile_values_are_printed_never_fetched(invitation, signature_data_url):
    server = http.server.HTTPServer(("127.0.0.1", 0), RecordingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_port}"
    try:
        employee = invitation.employee
        employee.name = f'<img src="{address}/name.png"> Budi'
        employee.position = f"<link rel=stylesheet href={address}/x.css><style>@import url({address}/y.css)</style>"
        employee.rank = '<img src="file:///etc/passwd">'
        employee.save()
        signature, _ = signature_create(
            invitation=invitation,
            shown=factories.shown(invitation),
            image_png=clean_signature_image(signature_data_url),
            method="link",
        )
        text = flat(pdf_text(build_signed_pdf(signature)))
    finally:
        server.shutdown()
    assert RecordingHandler.requests == []
    assert f'<img src="{address}/name.png"> Budi' in text
    assert "file:///etc/passwd" in text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/logo.png",
        "file:///etc/passwd",
        "https://netralitas.invalid/static/../../../etc/passwd",
        "https://netralitas.invalid/media/../../etc/passwd",
        "https://netralitas.invalid/other/x.png",
        "https://netralitas.invalid/static/pdf/pact.css?x=1",
        "data:text/html;base64,PHNjcmlwdD4=",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_everything_but_our_files(url):
    with pytest.raises(RefusedURL):
        ProjectFilesFetcher().fetch(url)


def test_fetcher_serves_our_static_files():
    response = ProjectFilesFetcher().fetch("https://netralitas.invalid/static/pdf/pact.css")
    assert b"@page" in response.read()


# -- stored once -------------------------------------------------------------


def test_document_is_stored_once_with_its_hash(signature):
    document = pact_document_create(signature.pk)
    data = document.file.read()
    document.file.close()
    assert document.sha256 == sha256_hex(data)
    assert document.size == len(data)
    again = pact_document_create(signature.pk)
    assert again.pk == document.pk
    assert PactDocument.objects.count() == 1


def test_losing_render_never_overwrites_the_stored_file(signature, monkeypatch):
    first = pact_document_create(signature.pk)
    stored = first.file.read()
    first.file.close()
    # A second worker that missed the first one's row renders again and loses the race.
    monkeypatch.setattr("pledges.documents.PactDocument.objects.filter", lambda **kw: PactDocument.objects.none())
    second = pact_document_create(signature.pk)
    monkeypatch.undo()
    assert second.pk == first.pk
    with second.file.open("rb") as handle:
        assert handle.read() == stored
    assert PactDocument.objects.count() == 1


def test_render_missing_pdfs_is_idempotent(signature, ceremony, signature_data_url):
    employee = factories.employee(ceremony.agency)
    other_invitation = Invitation.objects.create(ceremony=ceremony, employee=employee)
    signature_create(
        invitation=other_invitation,
        shown=factories.shown(other_invitation),
        image_png=clean_signature_image(signature_data_url),
        method="apel",
    )
    out = io.StringIO()
    call_command("render_missing_pdfs", stdout=out)
    assert "PDF dibuat: 2" in out.getvalue()
    out = io.StringIO()
    call_command("render_missing_pdfs", stdout=out)
    assert "PDF dibuat: 0" in out.getvalue()
    assert PactDocument.objects.count() == 2


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_signing_queues_the_pdf_task(invitation, signature_data_url):
    signature, _ = signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=clean_signature_image(signature_data_url),
        method="link",
    )
    assert PactDocument.objects.filter(signature=signature).exists()


def test_the_signer_gets_the_pdf_through_the_personal_link_only(client, signature):
    """The full PDF (full NIP, drawn signature) goes to the signer's personal link; the
    public verification page shows genuine/intact, by whom (masked) and when."""
    document = pact_document_create(signature.pk)
    confirmation = client.get(reverse("pledges:sign", args=[signature.invitation.token])).content.decode()
    url = reverse("pledges:document", args=[signature.invitation.token])
    assert url in confirmation
    verification = client.get(reverse("pledges:verify", args=[signature.verification_code])).content.decode()
    assert "Asli dan utuh." in verification and "1980**** 200501 * **1" in verification
    assert ".pdf" not in verification and "198001012005011001" not in verification
    assert client.get(f"/v/{signature.verification_code}/pdf").status_code == 404  # the old public PDF URL
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert f'filename="pakta-budi-santoso-se-msi-{signature.display_code}.pdf"' in response["Content-Disposition"]
    assert sha256_hex(b"".join(response.streaming_content)) == document.sha256


def test_missing_pdf_download_is_a_404(client, signature):
    response = client.get(reverse("pledges:document", args=[signature.invitation.token]))
    assert response.status_code == 404
    assert "belum selesai dibuat" in response.content.decode()


def emblem_png():
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (240, 280), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 20), (220, 20), (220, 160), (120, 260), (20, 160)], fill=(196, 30, 58, 255), outline="black")
    draw.ellipse((80, 60, 160, 140), fill=(250, 204, 21, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_letterhead_logo_comes_from_media_storage(signature, client):
    from django.core.files.base import ContentFile

    agency = signature.invitation.ceremony.agency
    agency.logo.save("lambang.png", ContentFile(emblem_png()))
    data = build_signed_pdf(signature)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages[0].images) == 2  # the logo and the drawn signature
    # The signing pages show it too, through a public view.
    response = client.get(reverse("roster:logo", args=[agency.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_verification_reports_a_pdf_changed_on_disk(client, signature):
    document = pact_document_create(signature.pk)
    url = reverse("pledges:verify", args=[signature.verification_code])
    assert "Asli dan utuh" in client.get(url).content.decode()
    stored.flip_one_byte(document.file.name, offset=100)
    assert "Data tidak utuh" in client.get(url).content.decode()


def test_seals_after_the_first_come_from_the_kept_cms_template(signature, ceremony, signature_data_url, agency):
    """B-B seals reuse the constant parts of pyHanko's CMS; each still validates over
    the whole file, with its own digest and signature."""
    from pledges.pdf.certificates import signer_for

    employee = factories.employee(ceremony.agency, name="Pegawai Kedua", position="Analis", rank="III/a")
    invitation = Invitation.objects.create(ceremony=ceremony, employee=employee, unit=signature.invitation.unit)
    other = signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=clean_signature_image(signature_data_url),
        method="link",
    )[0]
    first, second = build_signed_pdf(signature), build_signed_pdf(other)
    templates = signer_for(agency).templates
    assert templates and all(template is not None for template in templates.values())
    contents = []
    for data in (first, second):
        status = validation_status(data, agency)
        assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"
        contents.append(PdfFileReader(io.BytesIO(data)).embedded_signatures[0].signed_data.dump())
    assert contents[0] != contents[1]
