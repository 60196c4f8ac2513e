"""The signed pact PDF: where it is made, from a signature's frozen record.

``build_signed_pdf(signature)`` is the one entry point (the background task and the
sweeper reach it through ``pledges.documents.pact_document_create``, which stores
the result once). It

1. lays out the pact from ``pledges/templates/pledges/pdf/pact.html`` and
   ``static/pdf/pact.css`` with the shared engine (``netralitas.lib.pdf``);
2. composes: most of a pact — the letterhead, the title, the points, the closing, the
   date line, the footer's seal sentence — is the same for every signer of a ceremony
   on one day and most of WeasyPrint's work, so a
   process lays out that **base** once per (text, identity-block height) and keeps
   it in memory, and per signer only the **overlay** (identity block, signature
   block, footer). Both come from the same template in different modes, so they
   land exactly where a single render puts them (a test compares every word);
   anything that does not fit falls back to a single render;
3. draws the overlay without a WeasyPrint document: the first signer of a base page
   and text format in a process is laid out by WeasyPrint, and that layout teaches a
   **plan** which sets every later signer's lines with WeasyPrint's own line breaker
   and glyph drawing and embeds font subsets of exactly the glyphs drawn — a shortcut
   around WeasyPrint's interface, fenced in ``netralitas.lib.pdf.weasyprint_pinned``.
   What the plan does not cover (right-to-left text, a glyph no font has, parts that
   would run past the page…), and any error there, is laid out by WeasyPrint as for
   the first signer;
4. draws the overlay onto the base page as a form XObject and the verification QR
   code as vector rectangles (far cheaper than WeasyPrint parsing an SVG), and seals
   with the agency's certificate (PAdES, pyHanko) — all in one incremental update of
   the PDF/A, so the original bytes, the output intent and the XMP ``pdfaid`` stay.
   The seal is an invisible signature field: pyHanko's visible stamp uses a
   non-embedded Courier, which PDF/A forbids.

The seal itself (B-B, or B-T/B-LT with a TSA; PDF/A-2 kept) is ``pledges.pdf.seal``;
certificates (which one, its password, loading it once, readiness) are
``pledges.pdf.certificates``.
"""

import base64
import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass

import segno
from django.conf import settings
from django.template.loader import render_to_string
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from netralitas.lib.dates import date_line
from netralitas.lib.pdf.engine import element_box, find_box, letterhead_context, renderer
from netralitas.lib.pdf.weasyprint_pinned.overlays import direct_overlays
from pledges.pdf.seal import seal

TEMPLATE = "pledges/pdf/pact.html"
QR_ELEMENT_ID = "qr"
QR_MASK = 2
BASE_CACHE_SIZE = 64
OVERLAY_NAME = "/NtlOverlay"


def build_signed_pdf(signature, *, compose=True):
    """The sealed PDF/A bytes of ``signature`` (nothing stored).

    Normally the shared text comes from a per-ceremony base and only the signer's
    parts are laid out (``compose_pact``); ``compose=False``, or parts that
    would not fit, render the whole page in one piece. Both read the same."""
    agency = signature.invitation.ceremony.agency
    writer = _drawn_pact(signature, compose)
    return seal(writer, agency=agency, reason=pact_title(signature), location=agency.place_name)


def build_unsealed_pdf(signature, *, compose=True):
    """The pact PDF/A of ``signature`` exactly as :func:`build_signed_pdf` draws it, without
    the seal: what is sent to BSrE (``pledges.bsre``), which adds its seal as the next
    incremental update."""
    output = io.BytesIO()
    _drawn_pact(signature, compose).write(output)
    return output.getvalue()


def pact_title(signature):
    return f"Pakta Integritas Netralitas ASN — {signature.signer['name']}"


def _drawn_pact(signature, compose):
    overlay = None
    try:
        if not compose:
            raise OverflowError("single render requested")
        composed = compose_pact(signature)
        pdf, overlay, qr_box = composed.base, composed.overlay, composed.qr_box
    except OverflowError:
        pdf, qr_box = render_pact(signature)
    return draw_pact(pdf, qr_url=signature.public_url, qr_box=qr_box, overlay=overlay, title=pact_title(signature))


def pact_context(signature):
    """Everything the pact template shows, from the signature's frozen record."""
    ceremony = signature.invitation.ceremony
    agency = ceremony.agency
    return {
        **letterhead_context(agency),
        "pact": signature.pact,
        "signer": signature.signer,
        "identity": signature.identity(),
        "identifier": signature.identifier,
        "date_line": date_line(agency.place_name, signature.signed_at, agency.time_zone),
        "signature_url": "data:image/png;base64," + base64.b64encode(bytes(signature.image)).decode("ascii"),
        "verification_code": signature.display_code,
        "verification_url": signature.public_url,
        "text_sha256": signature.text_sha256,
        "site": settings.PUBLIC_BASE_URL,
        "qr_id": QR_ELEMENT_ID,
    }


def render_pact(signature):
    """The unsigned PDF/A of ``signature`` and the box reserved for its QR code."""
    context = pact_context(signature)
    engine = renderer()
    for compact in (False, True):
        # Names, positions and units at their longest do not fit at the normal size:
        # then the whole page is set a little tighter, still on one page.
        html = render_to_string(TEMPLATE, {**context, "mode": "single", "compact": compact})
        document = engine.layout(html)
        if len(document.pages) == 1:
            break
    else:
        raise ValueError(f"pact of signature {signature.pk} takes {len(document.pages)} pages, not one")
    qr_box = find_box(document, QR_ELEMENT_ID)
    pdf = engine.write(
        document,
        title=pact_title(signature),
        author=context["agency"].name,
    )
    return pdf, qr_box


@dataclass(frozen=True)
class Geometry:
    """Where the shared text leaves room for the signer's parts, in CSS px."""

    identity_top: float  # from the top of the page area to the identity block
    middle_height: float  # the opening, the points and the closing
    sign_head_height: float  # the date line and "Yang membuat pernyataan,"
    footer_head_height: float  # the footer's first paragraph (the agency's seal)


@dataclass
class Composed:
    base: bytes  # PDF/A of the shared text
    overlay: object  # the signer's parts, same page size: a drawn FormXObject, or a WeasyPrint PDF
    qr_box: tuple  # where the QR code goes, in pt from the bottom-left corner

    @property
    def direct(self):
        """True when the signer's parts were drawn without a WeasyPrint document."""
        return not isinstance(self.overlay, bytes)


class BaseCache:
    """Base PDFs and their geometry, per process; base PDFs least recently used out first."""

    def __init__(self, size=BASE_CACHE_SIZE):
        self.size = size
        self.pdfs = OrderedDict()
        self.geometry = {}

    def get(self, key):
        if key in self.pdfs:
            self.pdfs.move_to_end(key)
            return self.pdfs[key]
        return None

    def put(self, key, value):
        self.pdfs[key] = value
        self.pdfs.move_to_end(key)
        while len(self.pdfs) > self.size:
            self.pdfs.popitem(last=False)


_cache = BaseCache()


def _box_of(document, element_id):
    """``(y, height)`` in CSS px of the element on the first page."""
    _, y, _, height = element_box(document, element_id)
    return y, height


def _render_base(context, identity_height):
    engine = renderer()
    html = render_to_string(TEMPLATE, {**context, "mode": "base", "identity_height": identity_height})
    document = engine.layout(html)
    if len(document.pages) != 1:
        raise OverflowError("the shared text does not fit on one page")
    top, _ = _box_of(document, "top")
    identity_top, _ = _box_of(document, "identity")
    _, middle_height = _box_of(document, "middle")
    _, sign_head_height = _box_of(document, "signhead")
    _, footer_head_height = _box_of(document, "footerhead")
    geometry = Geometry(
        identity_top=identity_top - top,
        middle_height=middle_height,
        sign_head_height=sign_head_height,
        footer_head_height=footer_head_height,
    )
    pdf = engine.write(document, title=context["pact"]["title"], author=context["agency"].name)
    return pdf, geometry


def compose_pact(signature):
    """The shared base (cached) and the signer's overlay of ``signature``.

    The overlay is drawn directly from the plan for this base page and text format
    when there is one and it covers this signer; otherwise WeasyPrint lays it out (and
    that layout may teach the plan). Raises ``OverflowError`` when the parts would not
    fit one page; the caller then renders the pact in one piece."""
    engine = renderer()
    context = pact_context(signature)
    # The key is the shared text itself, as laid out: any change to the letterhead,
    # the logo or the pact's wording makes a new base.
    shared = render_to_string(TEMPLATE, {**context, "mode": "base", "identity_height": 0})
    key = hashlib.sha256(shared.encode()).hexdigest()
    geometry = _cache.geometry.get(key)
    if geometry is None:
        _, geometry = _render_base(context, 0)
        _cache.geometry[key] = geometry

    overlay_html = render_to_string(TEMPLATE, {**context, "mode": "overlay", "geometry": geometry})
    images = {context["signature_url"]: bytes(signature.image)}
    # A text format lays the identity block out its own way: one plan per format.
    plan_key = (key, signature.text_format)
    drawn = direct_overlays.draw(plan_key, overlay_html, images)
    if drawn is not None:
        overlay, qr_box = drawn.form, drawn.kept
        _, identity_height = drawn.spans["identity"]
    else:
        # The overlay is never a document of its own: only its page content and
        # resources are copied into the PDF/A base, so it needs no PDF/A apparatus.
        document = engine.layout(overlay_html, variant=None)
        if len(document.pages) != 1:
            raise OverflowError("the signer's parts do not fit on one page")
        _, identity_height = _box_of(document, "identity")
        qr_box = find_box(document, QR_ELEMENT_ID)
        direct_overlays.learn(plan_key, document, overlay_html, images, spans=("identity",), keep=qr_box)
        overlay = engine.write(document, title="", author="", variant=None)
    identity_height = round(identity_height, 3)

    variant = (key, identity_height)
    base = _cache.get(variant)
    if base is None:
        base, _ = _render_base(context, identity_height)
        _cache.put(variant, base)
    return Composed(base=base, overlay=overlay, qr_box=qr_box)


def qr_content_stream(url, box):
    """PDF drawing operators for a QR code of ``url`` filling ``box`` (x, y, w, h in pt)."""
    # A fixed mask: every mask gives a valid code, and segno's search for the "best"
    # one is pure Python, per pact (docs/performance.md).
    qr = segno.make(url, error="m", micro=False, mask=QR_MASK)
    matrix = qr.matrix
    size = len(matrix)
    x0, y0, width, height = box
    module = min(width, height) / size
    top = y0 + height
    ops = ["Q q 0 0 0 rg"]
    for row_index, row in enumerate(matrix):
        y = top - (row_index + 1) * module
        column = 0
        while column < size:
            if row[column]:
                start = column
                while column < size and row[column]:
                    column += 1
                ops.append(f"{x0 + start * module:.3f} {y:.3f} {(column - start) * module:.3f} {module:.3f} re")
            else:
                column += 1
    ops.append("f Q")
    return "\n".join(ops).encode("ascii")


def _overlay_form(writer, overlay_pdf):
    """The first page of ``overlay_pdf`` as a form XObject imported into ``writer``."""
    reader = PdfFileReader(io.BytesIO(overlay_pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    contents = page["/Contents"]
    streams = [ref.get_object() for ref in contents] if isinstance(contents, generic.ArrayObject) else [contents]
    form_dict = {
        generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
        generic.pdf_name("/BBox"): writer.import_object(page["/MediaBox"]),
        generic.pdf_name("/Resources"): writer.import_object(page["/Resources"]),
    }
    if "/Group" in page:
        form_dict[generic.pdf_name("/Group")] = writer.import_object(page["/Group"])
    if len(streams) == 1 and streams[0].get("/Filter") == "/FlateDecode" and "/DecodeParms" not in streams[0]:
        # WeasyPrint's single compressed content stream: copy it as it is.
        form_dict[generic.pdf_name("/Filter")] = generic.pdf_name("/FlateDecode")
        form = generic.StreamObject(form_dict, encoded_data=streams[0].encoded_data)
    else:
        form = generic.StreamObject(form_dict, stream_data=b"\n".join(stream.data for stream in streams))
        form.compress()
    return writer.add_object(form)


def draw_pact(pdf, *, qr_url, qr_box, overlay=None, title=None):
    """The writer of one incremental update of ``pdf`` that draws the signer's
    ``overlay`` page (if any) and the QR code into ``qr_box``; the seal, when it is
    ours, goes into the same update (:func:`pledges.pdf.seal.seal`)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # Wrap the existing page content in q … Q so that our drawing starts from the
    # default coordinate system whatever state WeasyPrint left behind.
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"q")), prepend=True)
    resources = None
    drawing = qr_content_stream(qr_url, qr_box)
    if overlay is not None:
        form = _overlay_form(writer, overlay) if isinstance(overlay, bytes) else overlay.add_to(writer)
        resources = generic.DictionaryObject(
            {generic.pdf_name("/XObject"): generic.DictionaryObject({generic.pdf_name(OVERLAY_NAME): form})}
        )
        drawing = f"Q q {OVERLAY_NAME} Do".encode() + b"\n" + drawing
    stream = generic.StreamObject(stream_data=drawing)
    stream.compress()
    writer.add_stream_to_page(0, writer.add_object(stream), resources=resources)
    if title:
        writer.document_meta.title = title
    return writer
