"""Drawing a typeset page (``typeset.Page``) without a WeasyPrint document: the
content stream, the font subsets and the images of a form XObject, as plain bytes
(``netralitas.lib.pdf.xobject`` writes them into the PDF with pyHanko).

Text is drawn by WeasyPrint's own glyph drawing (``draw_first_line``: the same
glyph ids, widths and kerning adjustments as in a WeasyPrint PDF), underlines as
WeasyPrint draws them, images as WeasyPrint embeds them. Fonts are HarfBuzz subsets
of exactly the glyphs drawn, whatever they are, as WeasyPrint subsets them; a glyph
no font has raises ``Unsupported``.
"""

import pydyf
from weasyprint.draw.text import draw_first_line
from weasyprint.matrix import Matrix
from weasyprint.pdf.fonts import Font
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import get_hb_object_data, get_pango_font_key

from netralitas.lib.pdf.engine import PT_PER_PX
from netralitas.lib.pdf.weasyprint_pinned.paragraphs import Unsupported
from netralitas.lib.pdf.weasyprint_pinned.typeset import Glyphs
from netralitas.lib.pdf.xobject import FormXObject, SubsetFont, png_image

# WeasyPrint's Font per Pango font description, once per process: it holds the face.
_font_files = {}
SUBSET_DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


class _FontUse:
    """The glyphs one drawing uses from one font (what WeasyPrint's Font collects)."""

    bitmap = png = svg = colr = False

    def __init__(self, font_file):
        self.file = font_file
        self.hash = font_file.hash
        self.widths = {}
        self.to_unicode = {}
        self.missing = {}

    def get_unused_glyph_id(self, codepoint):
        raise Unsupported(f"no font has U+{codepoint:04X}")


class _Stream(pydyf.Stream):
    """The parts of WeasyPrint's Stream that ``draw_first_line`` uses."""

    def __init__(self):
        super().__init__()
        self.fonts = {}
        self.ink_rect = ffi.new("PangoRectangle *")
        self.logical_rect = ffi.new("PangoRectangle *")
        self._font = None

    def add_font(self, pango_font):
        key, description, font_size = get_pango_font_key(pango_font)
        if key not in self.fonts:
            font_file = _font_files.get(key)
            if font_file is None:
                font_file = _font_files[key] = Font(pango_font, description, font_size)
            if font_file.bitmap or font_file.png or font_file.svg or font_file.colr or "fvar" in font_file.tables:
                raise Unsupported(f"font {font_file.family} is not a plain vector font")
            self.fonts[key] = _FontUse(font_file)
        return self.fonts[key], font_size

    def set_font_size(self, font, size):
        if (font, size) != self._font:
            self._font = (font, size)
            super().set_font_size(font, size)


class Drawing:
    """One page's drawing, to be placed as a form XObject over a page of the same size
    (:meth:`finish`)."""

    def __init__(self, page_width, page_height):
        # Like a WeasyPrint page: CSS px, y downwards.
        self.width, self.height = page_width * PT_PER_PX, page_height * PT_PER_PX
        self.stream = _Stream()
        self.stream.set_matrix(1, 0, 0, -1, 0, self.height)
        self.stream.set_matrix(PT_PER_PX, 0, 0, PT_PER_PX, 0, 0)
        self.images = {}  # resource name → (PNG bytes, interpolate)
        self._color = None

    def text(self, glyphs: Glyphs):
        """Draw one line of a text run, with its underline, as WeasyPrint's draw_text does."""
        style = glyphs.style
        layout = glyphs.layout
        layout.reactivate(style)
        try:
            if "underline" in style["text_decoration_line"]:
                self._underline(glyphs)
            self._set_color(style["color"])
            self.stream.begin_text()
            textbox = _TextBox(glyphs.text, style, layout)
            emojis = draw_first_line(self.stream, textbox, "clip", "none", Matrix(d=-1, e=glyphs.x, f=glyphs.baseline))
            self.stream.end_text()
            self.stream._font = None
            if emojis:
                raise Unsupported("a colour glyph")
        finally:
            layout.deactivate()

    def _underline(self, glyphs):
        style = glyphs.style
        if (
            style["text_decoration_thickness"] not in ("auto", "from-font")
            or style["text_underline_offset"] != "auto"
            or style["text_decoration_style"] != "solid"
        ):
            raise Unsupported("an underline other than the font's own")
        layout = glyphs.layout
        thickness = layout.underline_thickness
        y = glyphs.baseline - layout.underline_position + thickness / 2
        color = style["text_decoration_color"]
        if color == "currentcolor":
            color = style["color"]
        self.stream.push_state()
        self.stream.set_color_rgb(*_rgb(color), stroke=True)
        self.stream.set_line_width(thickness)
        self.stream.move_to(glyphs.x, y)
        self.stream.line_to(glyphs.x + glyphs.width, y)
        self.stream.stroke()
        self.stream.pop_state()

    def _set_color(self, color):
        rgb = _rgb(color)
        if rgb != self._color:
            self._color = rgb
            self.stream.set_color_rgb(*rgb)

    def image(self, picture, data):
        """Draw ``data`` (PNG bytes) filling the picture's box."""
        name = f"Im{len(self.images)}"
        self.images[name] = (data, picture.style["image_rendering"] == "auto")
        self.stream.push_state()
        self.stream.set_matrix(picture.width, 0, 0, -picture.height, picture.x, picture.y + picture.height)
        self.stream.draw_x_object(name)
        self.stream.pop_state()

    def finish(self):
        """The drawing as plain bytes (:class:`~netralitas.lib.pdf.xobject.FormXObject`):
        its content stream, a subset of every font it uses, its images encoded. Nothing
        of WeasyPrint is needed after this."""
        fonts = tuple(_subset_font(use) for use in self.stream.fonts.values() if use.to_unicode)
        images = {name: png_image(data, interpolate=interpolate) for name, (data, interpolate) in self.images.items()}
        # pydyf writes a stream object as "<<dictionary>>\nstream\n" + content + "\nendstream".
        _, _, content = self.stream.data.partition(b"\nstream\n")
        content = content.removesuffix(b"\nendstream")
        return FormXObject(width=self.width, height=self.height, content=content, fonts=fonts, images=images)


class _TextBox:
    """What ``draw_first_line`` reads from a TextBox."""

    def __init__(self, text, style, pango_layout):
        self.text, self.style, self.pango_layout = text, style, pango_layout


def _rgb(color):
    *channels, alpha = color
    if alpha != 1:
        raise Unsupported("a translucent colour")
    if color.space != "srgb":
        channels = color.to("srgb").coordinates
    return tuple(channels)


def subset(font_file, glyph_ids):
    """The font file of ``font_file`` cut down to ``glyph_ids`` (HarfBuzz, as WeasyPrint
    subsets: glyph ids kept, no hinting)."""
    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    glyphs = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
    wanted = sorted(glyph_ids)
    harfbuzz.hb_set_add_sorted_array(glyphs, ffi.new(f"hb_codepoint_t[{len(wanted)}]", wanted), len(wanted))
    harfbuzz_subset.hb_subset_input_set_flags(
        subset_input,
        harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE,
    )
    drop = harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    tags = tuple(harfbuzz.hb_tag_from_string(tag, -1) for tag in SUBSET_DROP_TABLES)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
    face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(font_file.hb_face, subset_input), harfbuzz.hb_face_destroy)
    # A second pass renumbers nothing but drops the empty glyphs after the last one used.
    glyphs = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
    keep = tuple(range(wanted[-1] + 1))
    harfbuzz.hb_set_add_sorted_array(glyphs, ffi.new(f"hb_codepoint_t[{len(keep)}]", keep), len(keep))
    harfbuzz_subset.hb_subset_input_set_flags(
        subset_input,
        harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        | harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING,
    )
    face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(face, subset_input), harfbuzz.hb_face_destroy)
    data = get_hb_object_data(face) if face else None
    if not data:
        raise Unsupported(f"HarfBuzz could not subset {font_file.family}")
    return data


def _subset_font(use):
    """What :class:`~netralitas.lib.pdf.xobject.SubsetFont` needs of one font's use."""
    font = use.file
    return SubsetFont(
        resource=use.hash,
        name=font.name.decode()[len(font.hash) + 2 :],  # b"/HASH+Pakta-Serif" → "Pakta-Serif"
        family=font.family,
        flags=font.flags,
        ascent=font.ascent,
        descent=font.descent,
        italic_angle=font.italic_angle,
        stemv=font.stemv,
        stemh=font.stemh,
        widths=dict(use.widths),
        to_unicode=dict(use.to_unicode),
        data=subset(font, use.to_unicode),
    )
