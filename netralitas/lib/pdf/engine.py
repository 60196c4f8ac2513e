"""Laying out and writing PDFs with WeasyPrint.

A process renders many documents, so what they share is prepared once per
process: the parsed stylesheets, the font configuration and WeasyPrint's image
cache (an agency logo is decoded once). Every document is laid out with the
fetcher of ``netralitas.lib.pdf.fetcher``: no network, only our own files.
"""

import functools

from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from netralitas.lib.pdf.fetcher import BASE_URL, ProjectFilesFetcher, media_url, static_url

PDF_VARIANT = "pdf/a-2u"
PT_PER_PX = 0.75  # WeasyPrint lays out in CSS px (1/96 in); PDF user space is in pt (1/72 in)
LETTERHEAD_TEMPLATE = "pdf/kop.html"


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


@functools.cache
def renderer():
    """The process-wide :class:`Renderer`."""
    return Renderer()


def render_pdf(template_name, context, *, stylesheet, title, author, variant=None):
    """A printable (poster, link sheets, recap) from a Django template, with the
    safe fetcher and the shared fonts."""
    engine = renderer()
    document = engine.layout(render_to_string(template_name, context), stylesheet=stylesheet, variant=variant)
    return engine.write(document, title=title, author=author, variant=variant)


def letterhead_context(agency):
    """What the letterhead (``templates/pdf/kop.html``) needs: the agency, its
    letterhead lines, its logo."""
    return {
        "agency": agency,
        "letterhead": agency.letterhead(),
        "logo_url": media_url(agency.logo.name) if agency.logo else "",
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
    """The same box in PDF points measured from the bottom-left corner, as PDF
    drawing operators want it."""
    x, y, width, height = element_box(document, element_id)
    page_height = document.pages[0].height
    return (x * PT_PER_PX, (page_height - y - height) * PT_PER_PX, width * PT_PER_PX, height * PT_PER_PX)
