"""Drawing a typeset page (``typeset.Page``) as a PDF form XObject, straight into
a pyHanko incremental update — no WeasyPrint document, no PDF to parse back.

Text is drawn by WeasyPrint's own glyph drawing (``draw_first_line``: the same
glyph ids, widths and kerning adjustments as in a WeasyPrint PDF), underlines as
WeasyPrint draws them, images as WeasyPrint embeds them (the colour and the alpha
channel as PNG-predicted Flate streams, the alpha as a soft mask). Fonts are
embedded as WeasyPrint embeds them — a Type 0 font with a ToUnicode map (PDF/A-2u)
and a HarfBuzz subset of exactly the glyphs drawn, whatever they are; a glyph no
font has raises ``Unsupported``.
"""

import hashlib
import io

import pydyf
from PIL import Image
from pyhanko.pdf_utils import generic
from weasyprint.draw.text import draw_first_line
from weasyprint.images import RasterImage
from weasyprint.matrix import Matrix
from weasyprint.pdf.fonts import Font
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import get_hb_object_data, get_pango_font_key

from netralitas.lib.pdf.engine import PT_PER_PX
from netralitas.lib.pdf.paragraphs import Unsupported
from netralitas.lib.pdf.typeset import Glyphs

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
    """One page's drawing, to be placed as a form XObject over a page of the same size."""

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

    def form(self, writer):
        """Add the drawing and its resources to ``writer``; the form XObject's reference."""
        fonts = generic.DictionaryObject()
        for use in self.stream.fonts.values():
            if use.to_unicode:
                fonts[generic.pdf_name("/" + use.hash)] = _font_objects(writer, use)
        xobjects = generic.DictionaryObject()
        for name, (data, interpolate) in self.images.items():
            xobjects[generic.pdf_name("/" + name)] = _image_object(writer, data, interpolate)
        resources = generic.DictionaryObject()
        if fonts:
            resources[generic.pdf_name("/Font")] = fonts
        if xobjects:
            resources[generic.pdf_name("/XObject")] = xobjects
        content = b"\n".join(pydyf._to_bytes(item) for item in self.stream.stream)
        form = generic.StreamObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
                generic.pdf_name("/BBox"): generic.ArrayObject(
                    [generic.NumberObject(0), generic.NumberObject(0), _real(self.width), _real(self.height)]
                ),
                generic.pdf_name("/Resources"): resources,
            },
            stream_data=content,
        )
        form.compress()
        return writer.add_object(form)


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


def _real(value):
    return generic.FloatObject(round(value, 6))


def _name(value):
    return generic.pdf_name(value if value.startswith("/") else "/" + value)


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


def _to_unicode_cmap(to_unicode):
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(to_unicode.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for glyph, text in batch:
            lines.append(f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _font_objects(writer, use):
    """A Type 0 font of the glyphs ``use`` draws, as WeasyPrint embeds one."""
    font = use.file
    data = subset(font, use.to_unicode)
    # A subset's name carries a tag of its own (PDF 32000-1, 9.6.4): six letters from its glyphs.
    digest = hashlib.md5(font.name + repr(sorted(use.to_unicode)).encode(), usedforsecurity=False).digest()
    tag = "".join(chr(65 + byte % 26) for byte in digest[:6])
    base_name = "/" + tag + font.name.decode()[len(font.hash) + 1 :]
    font_file = generic.StreamObject({generic.pdf_name("/Length1"): generic.NumberObject(len(data))}, stream_data=data)
    font_file.compress()
    widths = use.widths
    flags = font.flags
    if len(widths) > 1 and len(set(widths.values())) == 1:
        flags += 1  # FixedPitch
    descriptor = generic.DictionaryObject(
        {
            _name("Type"): _name("FontDescriptor"),
            _name("FontName"): _name(base_name),
            _name("FontFamily"): generic.TextStringObject(font.family),
            _name("Flags"): generic.NumberObject(flags),
            _name("FontBBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, font.descent, max(widths.values()), font.ascent)]
            ),
            _name("ItalicAngle"): generic.NumberObject(font.italic_angle),
            _name("Ascent"): generic.NumberObject(font.ascent),
            _name("Descent"): generic.NumberObject(font.descent),
            _name("CapHeight"): generic.NumberObject(font.ascent),
            _name("StemV"): generic.NumberObject(font.stemv),
            _name("StemH"): generic.NumberObject(font.stemh),
            _name("FontFile2"): writer.add_object(font_file),
        }
    )
    width_array = generic.ArrayObject()
    for glyph in sorted(widths):
        if glyph - 1 not in widths:
            width_array.append(generic.NumberObject(glyph))
            run = generic.ArrayObject()
            width_array.append(run)
        run.append(generic.NumberObject(widths[glyph]))
    descendant = generic.DictionaryObject(
        {
            _name("Type"): _name("Font"),
            _name("Subtype"): _name("CIDFontType2"),
            _name("BaseFont"): _name(base_name),
            _name("CIDSystemInfo"): generic.DictionaryObject(
                {
                    _name("Registry"): generic.TextStringObject("Adobe"),
                    _name("Ordering"): generic.TextStringObject("Identity"),
                    _name("Supplement"): generic.NumberObject(0),
                }
            ),
            _name("CIDToGIDMap"): _name("Identity"),
            _name("W"): width_array,
            _name("FontDescriptor"): writer.add_object(descriptor),
        }
    )
    cmap = generic.StreamObject(stream_data=_to_unicode_cmap(use.to_unicode))
    cmap.compress()
    return writer.add_object(
        generic.DictionaryObject(
            {
                _name("Type"): _name("Font"),
                _name("Subtype"): _name("Type0"),
                _name("BaseFont"): _name(base_name),
                _name("Encoding"): _name("Identity-H"),
                _name("DescendantFonts"): generic.ArrayObject([writer.add_object(descendant)]),
                _name("ToUnicode"): writer.add_object(cmap),
            }
        )
    )


def _image_object(writer, data, interpolate):
    """An image XObject of PNG ``data``, as WeasyPrint writes one."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if image.info.get("transparency") is not None or image.mode not in ("L", "LA", "RGB", "RGBA"):
            raise Unsupported(f"an image in mode {image.mode}")
        mode = image.mode
        width, height = image.size
        colour = image.convert(mode[0] if mode in ("L", "LA") else "RGB")
        alpha = image.getchannel("A") if mode.endswith("A") else None

    def stream(pillow_image, colour_space, colors):
        parameters = {_name("Predictor"): generic.NumberObject(15), _name("Columns"): generic.NumberObject(width)}
        if colors != 1:
            parameters[_name("Colors")] = generic.NumberObject(colors)
        return generic.StreamObject(
            {
                _name("Type"): _name("XObject"),
                _name("Subtype"): _name("Image"),
                _name("Width"): generic.NumberObject(width),
                _name("Height"): generic.NumberObject(height),
                _name("ColorSpace"): _name(colour_space),
                _name("BitsPerComponent"): generic.NumberObject(8),
                _name("Interpolate"): generic.BooleanObject(interpolate),
                _name("Filter"): _name("FlateDecode"),
                _name("DecodeParms"): generic.DictionaryObject(parameters),
            },
            encoded_data=RasterImage._get_png_data(pillow_image),
        )

    gray = colour.mode == "L"
    image_stream = stream(colour, "DeviceGray" if gray else "DeviceRGB", 1 if gray else 3)
    if alpha is not None:
        image_stream[_name("SMask")] = writer.add_object(stream(alpha, "DeviceGray", 1))
    return writer.add_object(image_stream)
