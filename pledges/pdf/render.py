"""Laying out the pact with WeasyPrint.

A worker renders many pacts, so the parts every pact shares are prepared once
per process: the parsed stylesheet, the font configuration and WeasyPrint's
image cache (the agency logo is decoded once). The QR code is not laid out by
WeasyPrint at all: its box is left empty and ``seal`` draws the modules as
vector rectangles into that box, which is far cheaper than WeasyPrint's SVG
path parser.
"""

import base64
import functools

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from netralitas.lib.dates import date_line
from pledges.pdf.fetcher import BASE_URL, ProjectFilesFetcher, media_url, static_url

PDF_VARIANT = "pdf/a-2u"
QR_ELEMENT_ID = "qr"
PT_PER_PX = 0.75  # WeasyPrint lays out in CSS px (1/96 in); PDF user space is in pt (1/72 in)


class Renderer:
    """Holds what all renders in one process share: fonts, parsed stylesheets, images."""

    def __init__(self):
        self.fetcher = ProjectFilesFetcher()
        self.font_config = FontConfiguration()
        self.cache = {}
        self._stylesheets = {}

    def stylesheet(self, name):
        if name not in self._stylesheets:
            self._stylesheets[name] = CSS(url=static_url(name), url_fetcher=self.fetcher, font_config=self.font_config)
        return self._stylesheets[name]

    def layout(self, html, stylesheet="pdf/pact.css", variant=PDF_VARIANT):
        """Lay out one document; returns the WeasyPrint document."""
        return HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetcher).render(
            stylesheets=[self.stylesheet(stylesheet)],
            font_config=self.font_config,
            cache=self.cache,
            pdf_variant=variant,
        )

    def write(self, document, *, title, author, variant=PDF_VARIANT):
        document.metadata.title = title
        document.metadata.authors = [author]
        document.metadata.lang = "id"
        return document.write_pdf(pdf_variant=variant)


def render_pdf(template_name, context, *, stylesheet, title, author, variant=None):
    """A printable (poster, link sheets, recap) from a Django template, with the
    same safe fetcher and shared fonts as the pacts."""
    engine = renderer()
    document = engine.layout(render_to_string(template_name, context), stylesheet=stylesheet, variant=variant)
    return engine.write(document, title=title, author=author, variant=variant)


@functools.cache
def renderer():
    return Renderer()


def letterhead_context(agency):
    """What ``pledges/pdf/kop.html`` needs: the agency, its letterhead lines, its logo."""
    return {
        "agency": agency,
        "letterhead": agency.letterhead(),
        "logo_url": media_url(agency.logo.name) if agency.logo else "",
    }


def pact_context(signature):
    """Everything the pact template shows, from the signature's frozen record."""
    ceremony = signature.invitation.ceremony
    agency = ceremony.agency
    return {
        **letterhead_context(agency),
        "pact": signature.pact,
        "signer": signature.signer,
        "date_line": date_line(agency.place_name, signature.signed_at, agency.time_zone),
        "signature_url": "data:image/png;base64," + base64.b64encode(bytes(signature.image)).decode("ascii"),
        "verification_code": signature.display_code,
        "verification_url": signature.public_url,
        "text_sha256": signature.text_sha256,
        "site": settings.PUBLIC_BASE_URL,
        "qr_id": QR_ELEMENT_ID,
    }


def element_box(document, element_id):
    """The border box of the element with ``element_id`` on the first page, in CSS px
    from the page's top-left corner: ``(x, y, width, height)``."""
    stack = [document.pages[0]._page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and element.get("id") == element_id and hasattr(box, "border_box_x"):
            return box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()
        stack.extend(getattr(box, "children", []))
    raise LookupError(f"no element #{element_id} in the laid-out document")


def find_box(document, element_id):
    """The same box in PDF points measured from the bottom-left corner, as the QR
    drawing in ``seal`` wants it."""
    x, y, width, height = element_box(document, element_id)
    page_height = document.pages[0].height
    return (x * PT_PER_PX, (page_height - y - height) * PT_PER_PX, width * PT_PER_PX, height * PT_PER_PX)


def render_pact(signature):
    """The unsigned PDF/A of ``signature`` and the box reserved for its QR code."""
    context = pact_context(signature)
    engine = renderer()
    for compact in (False, True):
        # Names, positions and units at their longest do not fit at the normal size:
        # then the whole page is set a little tighter, still on one page.
        html = render_to_string("pledges/pdf/pact.html", {**context, "mode": "single", "compact": compact})
        document = engine.layout(html)
        if len(document.pages) == 1:
            break
    else:
        raise ValueError(f"pact of signature {signature.pk} takes {len(document.pages)} pages, not one")
    qr_box = find_box(document, QR_ELEMENT_ID)
    pdf = engine.write(
        document,
        title=f"Pakta Integritas Netralitas ASN — {signature.signer['name']}",
        author=context["agency"].name,
    )
    return pdf, qr_box
