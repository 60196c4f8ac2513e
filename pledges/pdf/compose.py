"""Laying out what every signer of a ceremony shares only once.

Most of a pact — the letterhead, the title, the four points, the closing — is the
same for every signer of a ceremony, and it is most of WeasyPrint's work. So a
worker lays out two documents from the same template (``pledges/pdf/pact.html``):

* the **base**: the shared text, with an empty box where the identity block goes.
  It depends only on the shared text and on the identity block's height, so it is
  rendered once per (text, height) and kept in memory;
* the **overlay**: the signer's identity block, signature block and footer, with
  empty boxes where the shared text goes.

``pledges.pdf.seal`` then draws the overlay onto the base page as a form XObject,
in the same incremental update that carries the QR code and the PAdES seal. The
result is one PDF/A page that reads exactly like a single render (a test compares
the position of every word); anything unexpected falls back to a single render.
"""

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from django.template.loader import render_to_string

from pledges.pdf.render import QR_ELEMENT_ID, element_box, find_box, pact_context, renderer

TEMPLATE = "pledges/pdf/pact.html"
BASE_CACHE_SIZE = 64


@dataclass(frozen=True)
class Geometry:
    """Where the shared text leaves room for the signer's parts, in CSS px."""

    identity_top: float  # from the top of the page area to the identity block
    middle_height: float  # the opening, the points and the closing


@dataclass
class Composed:
    base: bytes  # PDF/A of the shared text
    overlay: bytes  # PDF of the signer's parts, same page size
    qr_box: tuple  # where the QR code goes, in pt from the bottom-left corner


class BaseCache:
    """Base PDFs and their geometry, per process, least recently used out first."""

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
    geometry = Geometry(identity_top=identity_top - top, middle_height=middle_height)
    pdf = engine.write(document, title=context["pact"]["title"], author=context["agency"].name)
    return pdf, geometry


def compose_pact(signature):
    """The shared base (cached) and the signer's overlay of ``signature``.

    Raises ``OverflowError`` when the parts would not fit one page; the caller then
    renders the pact in one piece."""
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
    # The overlay is never a document of its own: only its page content and
    # resources are copied into the PDF/A base, so it needs no PDF/A apparatus.
    overlay = engine.layout(overlay_html, variant=None)
    if len(overlay.pages) != 1:
        raise OverflowError("the signer's parts do not fit on one page")
    _, identity_height = _box_of(overlay, "identity")
    identity_height = round(identity_height, 3)
    qr_box = find_box(overlay, QR_ELEMENT_ID)

    variant = (key, identity_height)
    base = _cache.get(variant)
    if base is None:
        base, _ = _render_base(context, identity_height)
        _cache.put(variant, base)
    overlay_pdf = engine.write(overlay, title="", author="", variant=None)
    return Composed(base=base, overlay=overlay_pdf, qr_box=qr_box)
