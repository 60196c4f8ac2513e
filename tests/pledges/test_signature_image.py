"""What a phone may send as a drawn signature, and what we store instead."""

import base64
import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from pledges.signature_image import clean_signature_image, png_gray_alpha
from tests.factories import signature_png


def data_url(raw, mime="image/png"):
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


def rejected(value):
    with pytest.raises(ValidationError) as caught:
        clean_signature_image(value)
    return caught.value.code


def png_bomb(width=10000, height=10000):
    """A valid PNG header claiming a huge image, with a tiny compressed body."""
    import struct

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    raw = zlib.compress(b"\x00" * (width + 1) * 50, 9)  # a few rows only: still ~kilobytes
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_good_signature_is_reencoded_and_cropped():
    original = signature_png(400, 200)
    cleaned = clean_signature_image(data_url(original))
    assert cleaned != original
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "PNG"
    assert image.mode == "LA"
    assert image.width < 400 and image.height < 200  # cropped to the ink
    assert image.getchannel("A").getbbox() is not None


def test_stored_png_is_exactly_the_cleaned_drawing():
    """Our PNG writer: a strict reader (Pillow's verify walks every chunk's CRC) gets back
    every pixel, odd widths and a one-row image included."""
    for width, height in ((291, 89), (1, 1), (600, 3)):
        ink = Image.new("LA", (width, height))
        ink.putdata([(n % 7, (n * 37) % 256) for n in range(width * height)])
        written = png_gray_alpha(ink)
        Image.open(io.BytesIO(written)).verify()
        back = Image.open(io.BytesIO(written))
        assert (back.format, back.mode, back.size) == ("PNG", "LA", (width, height))
        assert back.tobytes() == ink.tobytes()


def test_blank_canvas():
    assert rejected(data_url(signature_png(blank=True))) == "blank"


def test_empty_value():
    assert rejected("") == "blank"


def test_white_opaque_canvas_is_blank_too():
    buffer = io.BytesIO()
    Image.new("RGB", (400, 200), "white").save(buffer, format="PNG")
    assert rejected(data_url(buffer.getvalue())) == "blank"


def test_a_single_dot_is_not_a_signature():
    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    image.putpixel((10, 10), (0, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert rejected(data_url(buffer.getvalue())) == "blank"


def test_jpeg_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (400, 200), "black").save(buffer, format="JPEG")
    assert rejected(data_url(buffer.getvalue(), "image/jpeg")) == "not_png"
    # … also when it claims to be a PNG.
    assert rejected(data_url(buffer.getvalue())) == "not_png"


def test_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><path d="M0 0L100 100"/></svg>'
    assert rejected(data_url(svg, "image/svg+xml")) == "not_png"
    assert rejected(data_url(svg)) == "not_png"


def test_huge_dimensions_are_refused():
    assert rejected(data_url(signature_png(3000, 200))) == "dimensions"


def test_decompression_bomb_is_refused_before_decoding():
    bomb = png_bomb()
    assert len(bomb) < 60_000
    assert rejected(data_url(bomb)) in {"dimensions", "bomb"}


def test_oversized_payload_is_refused():
    assert rejected("data:image/png;base64," + "A" * 500_000) == "too_large"


def test_broken_base64_is_refused():
    assert rejected("data:image/png;base64,@@@not-base64@@@") == "bad_base64"


def test_truncated_png_is_refused():
    import weasyprint  # noqa: F401 — sets Pillow's LOAD_TRUNCATED_IMAGES globally, as in the worker

    assert rejected(data_url(signature_png()[:200])) == "not_png"
    assert rejected(data_url(signature_png()[:-20])) == "not_png"
