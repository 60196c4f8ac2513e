"""Checking and cleaning the drawn signature that a phone sends.

The signature pad posts a PNG data URL. Whatever arrives is untrusted: it may be
another format, an SVG with script, a gigantic image or a decompression bomb (a
10000×10000 PNG is ~12 KB, so a byte limit alone does not stop it). We accept
PNG only, bound bytes and pixels before decoding, refuse a blank drawing, and
store our own re-encoding — never the client's bytes.
"""

import base64
import binascii
import io
import struct
import warnings
import zlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageChops

DATA_URL_PREFIX = "data:image/png;base64,"
MAX_DATA_URL_LENGTH = 400_000  # ~300 KB of PNG; a drawn signature is 5–40 KB
MAX_WIDTH = 2400
MAX_HEIGHT = 1600
MIN_INK_PIXELS = 40  # fewer dark pixels than this is a tap, not a signature
PADDING = 8
WORK_WIDTH = 600  # larger drawings are checked and stored reduced to this width or less

BLANK_MESSAGE = _("Tanda tangan masih kosong. Goreskan tanda tangan Anda di kotak, lalu kirim lagi.")
INVALID_MESSAGE = _("Gambar tanda tangan tidak dapat dibaca. Hapus, goreskan ulang, lalu kirim lagi.")


def clean_signature_image(data_url):
    """Return re-encoded PNG bytes of the signature, cropped to the ink, or raise
    ``ValidationError`` with a message for the signer."""
    if not data_url:
        raise ValidationError(BLANK_MESSAGE, code="blank")
    if len(data_url) > MAX_DATA_URL_LENGTH:
        raise ValidationError(_("Gambar tanda tangan terlalu besar."), code="too_large")
    if not data_url.startswith(DATA_URL_PREFIX):
        raise ValidationError(INVALID_MESSAGE, code="not_png")
    try:
        raw = base64.b64decode(data_url[len(DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(INVALID_MESSAGE, code="bad_base64") from None
    image = _reduced(_open_png(raw))
    # Lightness and opacity, each computed once: the ink check and the stored image use both.
    lightness, opacity = image.convert("L"), image.getchannel("A")
    ink = _ink_mask(lightness, opacity)
    box = ink.getbbox()
    if box is None or _count_ink(ink, box) < MIN_INK_PIXELS:
        raise ValidationError(BLANK_MESSAGE, code="blank")
    return _reencode(lightness, opacity, box)


def _open_png(raw):
    with warnings.catch_warnings():
        # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=["PNG"])
            width, height = image.size
            # verify() walks every chunk and its CRC; load() alone would accept a
            # truncated file when a library (WeasyPrint does) sets LOAD_TRUNCATED_IMAGES.
            image.verify()
            image = Image.open(io.BytesIO(raw), formats=["PNG"])
            if width > MAX_WIDTH or height > MAX_HEIGHT or width < 10 or height < 10:
                raise ValidationError(
                    _("Ukuran gambar tanda tangan tidak wajar (%(width)s×%(height)s piksel)."),
                    code="dimensions",
                    params={"width": width, "height": height},
                )
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ValidationError(_("Gambar tanda tangan terlalu besar."), code="bomb") from None
        except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError):
            raise ValidationError(INVALID_MESSAGE, code="not_png") from None
    return image if image.mode == "RGBA" else image.convert("RGBA")


# Lookup tables for Image.point, built once (a lambda would be called 256 times per image).
_DARK = [255 if value < 160 else 0 for value in range(256)]
_OPAQUE = [255 if value > 64 else 0 for value in range(256)]


def _reduced(image):
    """The drawing at no more than ``WORK_WIDTH`` pixels wide: a phone at
    devicePixelRatio 3 (or an old page) may send three times what the pact shows.
    ``reduce`` averages whole blocks of pixels: strokes keep their anti-aliased edges."""
    factor = -(-image.width // WORK_WIDTH)
    return image.reduce(factor) if factor > 1 else image


def _ink_mask(lightness, opacity):
    """A mask of the pixels that are visibly drawn: opaque enough and dark enough."""
    return ImageChops.multiply(lightness.point(_DARK), opacity.point(_OPAQUE))


def _count_ink(mask, box):
    return mask.crop(box).histogram()[255]


def _reencode(lightness, opacity, box):
    left, top, right, bottom = box
    width, height = lightness.size
    box = (max(left - PADDING, 0), max(top - PADDING, 0), min(right + PADDING, width), min(bottom + PADDING, height))
    # Keep the strokes with their anti-aliased edges (opacity × darkness) and drop
    # whatever background the client painted: black ink, its alpha the drawing's.
    darkness = ImageChops.invert(lightness.crop(box))
    ink = Image.new("LA", darkness.size, 0)
    ink.putalpha(ImageChops.multiply(opacity.crop(box), darkness))
    return png_gray_alpha(ink)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAY_ALPHA = 4  # PNG colour type: grey with alpha, 8 bits each


def png_gray_alpha(image):
    """``image`` (mode ``LA``) as a PNG: each row unfiltered, deflated by zlib at level 1
    with run-length matching. Pillow's own PNG writer tries five filters on every row
    (its cost on a signature is three times this whole function, docs/performance.md);
    on black strokes over a transparent ground filters gain almost nothing."""
    width, height = image.size
    data, stride = image.tobytes(), width * 2
    rows = b"".join(b"\x00" + data[start : start + stride] for start in range(0, len(data), stride))
    deflate = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, GRAY_ALPHA, 0, 0, 0)),
            _chunk(b"IDAT", deflate.compress(rows) + deflate.flush()),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
