"""A page drawn elsewhere, placed as a PDF form XObject into a pyHanko incremental
update.

The drawing arrives as plain bytes — its content stream, each font's subset and
metrics, each image's PNG-predicted data (``weasyprint_pinned.form`` makes them from
a typeset page) — and is written here with pyHanko's public objects only, as
WeasyPrint writes the same things: a Type 0 font with a ToUnicode map (PDF/A-2u)
per font, an image XObject with its alpha channel as a soft mask.
"""

import hashlib
import io
import struct
from dataclasses import dataclass

from PIL import Image
from pyhanko.pdf_utils import generic


@dataclass(frozen=True)
class SubsetFont:
    """One font as a drawing uses it: a subset of exactly the glyphs drawn."""

    resource: str  # the name the content stream uses (``/resource Tf``)
    name: str  # the font's PostScript-style name, without a subset tag
    family: str
    flags: int
    ascent: int
    descent: int
    italic_angle: int
    stemv: int
    stemh: int
    widths: dict  # glyph id → width in 1/1000 of the font size
    to_unicode: dict  # glyph id → the text it stands for
    data: bytes  # the TrueType subset


@dataclass(frozen=True)
class PngImage:
    """An image as PNG-predicted Flate data (the IDAT of a PNG), with its alpha apart."""

    width: int
    height: int
    gray: bool
    interpolate: bool
    data: bytes
    alpha: bytes | None


@dataclass(frozen=True)
class FormXObject:
    """One page's drawing, to be placed over a page of the same size (pt)."""

    width: float
    height: float
    content: bytes
    fonts: tuple  # SubsetFont
    images: dict  # resource name → PngImage

    def add_to(self, writer):
        """Add the drawing and its resources to ``writer``; the form XObject's reference."""
        resources = generic.DictionaryObject()
        if self.fonts:
            resources[_name("Font")] = generic.DictionaryObject(
                {_name(font.resource): _font_object(writer, font) for font in self.fonts}
            )
        if self.images:
            resources[_name("XObject")] = generic.DictionaryObject(
                {_name(name): _image_object(writer, image) for name, image in self.images.items()}
            )
        form = generic.StreamObject(
            {
                _name("Type"): _name("XObject"),
                _name("Subtype"): _name("Form"),
                _name("BBox"): generic.ArrayObject(
                    [generic.NumberObject(0), generic.NumberObject(0), _real(self.width), _real(self.height)]
                ),
                _name("Resources"): resources,
            },
            stream_data=self.content,
        )
        form.compress()
        return writer.add_object(form)


def _real(value):
    return generic.FloatObject(round(value, 6))


def _name(value):
    return generic.pdf_name(value if value.startswith("/") else "/" + value)


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


def _font_object(writer, font):
    """A Type 0 font of ``font``'s subset, as WeasyPrint embeds one."""
    # A subset's name carries a tag of its own (PDF 32000-1, 9.6.4): six letters from its glyphs.
    digest = hashlib.md5((font.name + repr(sorted(font.to_unicode))).encode(), usedforsecurity=False).digest()
    base_name = "/" + "".join(chr(65 + byte % 26) for byte in digest[:6]) + "+" + font.name
    font_file = generic.StreamObject(
        {generic.pdf_name("/Length1"): generic.NumberObject(len(font.data))}, stream_data=font.data
    )
    font_file.compress()
    widths = font.widths
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
    cmap = generic.StreamObject(stream_data=_to_unicode_cmap(font.to_unicode))
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


def _image_object(writer, image):
    """An image XObject of ``image``, as WeasyPrint writes one."""

    def stream(data, gray):
        parameters = {_name("Predictor"): generic.NumberObject(15), _name("Columns"): generic.NumberObject(image.width)}
        if not gray:
            parameters[_name("Colors")] = generic.NumberObject(3)
        return generic.StreamObject(
            {
                _name("Type"): _name("XObject"),
                _name("Subtype"): _name("Image"),
                _name("Width"): generic.NumberObject(image.width),
                _name("Height"): generic.NumberObject(image.height),
                _name("ColorSpace"): _name("DeviceGray" if gray else "DeviceRGB"),
                _name("BitsPerComponent"): generic.NumberObject(8),
                _name("Interpolate"): generic.BooleanObject(image.interpolate),
                _name("Filter"): _name("FlateDecode"),
                _name("DecodeParms"): generic.DictionaryObject(parameters),
            },
            encoded_data=data,
        )

    image_stream = stream(image.data, image.gray)
    if image.alpha is not None:
        image_stream[_name("SMask")] = writer.add_object(stream(image.alpha, True))
    return writer.add_object(image_stream)


def png_image(data, *, interpolate):
    """``data`` (PNG bytes) as a :class:`PngImage`: grey or RGB, with or without alpha."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if image.info.get("transparency") is not None or image.mode not in ("L", "LA", "RGB", "RGBA"):
            raise ValueError(f"an image in mode {image.mode}")
        gray = image.mode in ("L", "LA")
        colour = image.convert("L" if gray else "RGB")
        alpha = image.getchannel("A") if image.mode.endswith("A") else None
        return PngImage(
            width=image.width,
            height=image.height,
            gray=gray,
            interpolate=interpolate,
            data=_idat(colour),
            alpha=_idat(alpha) if alpha is not None else None,
        )


def _idat(pillow_image):
    """The image's pixels as PNG-predicted Flate data: the IDAT chunks of its PNG,
    which a PDF image takes as they are (``/Predictor 15``)."""
    buffer = io.BytesIO()
    pillow_image.save(buffer, format="PNG")
    png = buffer.getvalue()
    chunks, position = [], 8  # after the PNG signature
    while position < len(png):
        (length,) = struct.unpack_from("!I", png, position)
        kind = png[position + 4 : position + 8]
        if kind == b"IDAT":
            chunks.append(png[position + 8 : position + 8 + length])
        position += 12 + length  # length, type, data, CRC
    return b"".join(chunks)
