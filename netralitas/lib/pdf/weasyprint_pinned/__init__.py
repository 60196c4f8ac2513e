"""The signer's parts of a pact drawn without a WeasyPrint document: a shortcut
around WeasyPrint's documented interface, kept here and only here.

Why: a ceremony's signers differ only in a dozen short lines, yet a WeasyPrint
document per signer (parse, cascade, boxes, layout, a whole PDF written, then parsed
back by pyHanko) was most of a signed pact's cost. So the first signer's WeasyPrint
layout teaches a *plan* (``typeset``), and later signers' lines are set from it and
drawn (``form``) with WeasyPrint's own line breaker and glyph drawing. What it buys,
measured against WeasyPrint laying out every signer's parts, is in
docs/performance.md, "Shortcuts around libraries (issue 19)".

What it leans on — none of it a promise WeasyPrint makes: the box tree of a laid-out
page (``Page._page_box``, ``formatting_structure.boxes``), the line breaker
(``split_first_line``, ``strut``), replaced-box sizing, the glyph drawing
(``draw_first_line``), its ``Font`` objects and HarfBuzz through its ``ffi``, and
pydyf's ``Stream``. :data:`SIGNATURES` and :data:`ATTRIBUTES` name each of them with
its shape in the versions of :data:`VERIFIED_WITH`;
``tests/lib/test_weasyprint_pinned.py`` fails by name when one changes.

How it stays safe: the one door is ``overlays.DirectOverlays``. It checks
:data:`SIGNATURES` once per process and answers ``None`` on any exception —
``Unsupported`` (what a plan does not cover) or anything else (an upgrade) — and the
caller then lays the page out with WeasyPrint's public API, as it does for a
ceremony's first signer. The unexpected is logged once per process.

Upgrading WeasyPrint or pydyf: run ``tests/lib/test_weasyprint_pinned.py`` and
``tests/pledges/test_pdf.py``; adapt ``typeset``/``form`` to what changed, or delete
this package (``pledges.pdf.pact`` then always uses WeasyPrint); re-measure
(``make bench-pdf BENCH_ARGS="--compare-shortcuts"``: it stays only while it buys
≥ 10 % of the CPU per PDF) and update :data:`VERIFIED_WITH` and the tables below.
"""

import importlib
import inspect

# The distributions this package was verified with (requirements.txt), and the
# system libraries behind them on Debian 12.
VERIFIED_WITH = {"weasyprint": "70.0", "pydyf": "0.13.0"}
SYSTEM_LIBRARIES = "libpango-1.0-0 1.50.12, libharfbuzz-subset0 6.0.0"

# Every function, method and class of WeasyPrint and pydyf called here, with its call
# signature in those versions (``None``: no Python signature, it must only exist).
SIGNATURES = {
    "pydyf.Stream.__init__": "(self, stream=None, extra=None, compress=False)",
    "pydyf.Stream.data": None,
    "pydyf.Stream.set_matrix": "(self, a, b, c, d, e, f)",
    "pydyf.Stream.set_font_size": "(self, font, size)",
    "pydyf.Stream.set_text_matrix": "(self, a, b, c, d, e, f)",
    "pydyf.Stream.set_text_rise": "(self, height)",
    "pydyf.Stream.show_text": "(self, text)",
    "pydyf.Stream.begin_text": "(self)",
    "pydyf.Stream.end_text": "(self)",
    "pydyf.Stream.push_state": "(self)",
    "pydyf.Stream.pop_state": "(self)",
    "pydyf.Stream.set_color_rgb": "(self, r, g, b, stroke=False)",
    "pydyf.Stream.set_line_width": "(self, width)",
    "pydyf.Stream.move_to": "(self, x, y)",
    "pydyf.Stream.line_to": "(self, x, y)",
    "pydyf.Stream.stroke": "(self)",
    "pydyf.Stream.draw_x_object": "(self, reference)",
    "weasyprint.draw.text.draw_first_line": "(stream, textbox, text_overflow, block_ellipsis, matrix)",
    "weasyprint.formatting_structure.boxes.BlockBox": None,
    "weasyprint.formatting_structure.boxes.BlockContainerBox": None,
    "weasyprint.formatting_structure.boxes.InlineBlockBox": None,
    "weasyprint.formatting_structure.boxes.InlineBox": None,
    "weasyprint.formatting_structure.boxes.InlineReplacedBox": None,
    "weasyprint.formatting_structure.boxes.LineBox": None,
    "weasyprint.formatting_structure.boxes.MarginBox": None,
    "weasyprint.formatting_structure.boxes.TextBox": None,
    "weasyprint.formatting_structure.boxes.Box.border_box_y": "(self)",
    "weasyprint.formatting_structure.boxes.Box.border_height": "(self)",
    "weasyprint.formatting_structure.boxes.Box.content_box_x": "(self)",
    "weasyprint.formatting_structure.boxes.Box.content_box_y": "(self)",
    "weasyprint.formatting_structure.boxes.Box.is_in_normal_flow": "(self)",
    "weasyprint.formatting_structure.boxes.Box.margin_width": "(self)",
    "weasyprint.layout.percent.percentage": "(value, computed, refer_to)",
    "weasyprint.layout.replaced.min_max_auto_replaced": "(box)",
    "weasyprint.layout.replaced.replaced_box_height.without_min_max": "(box)",
    "weasyprint.layout.replaced.replaced_box_width.without_min_max": "(box, containing_block)",
    "weasyprint.matrix.Matrix": "(a=1, b=0, c=0, d=1, e=0, f=0, matrix=None)",
    "weasyprint.pdf.fonts.Font": "(pango_font, description, font_size)",
    "weasyprint.text.ffi.ffi": None,
    "weasyprint.text.ffi.harfbuzz.hb_set_add_sorted_array": None,
    "weasyprint.text.ffi.harfbuzz.hb_tag_from_string": None,
    "weasyprint.text.ffi.harfbuzz.hb_face_destroy": None,
    "weasyprint.text.ffi.harfbuzz_subset.hb_subset_input_create_or_fail": None,
    "weasyprint.text.ffi.harfbuzz_subset.hb_subset_input_destroy": None,
    "weasyprint.text.ffi.harfbuzz_subset.hb_subset_input_glyph_set": None,
    "weasyprint.text.ffi.harfbuzz_subset.hb_subset_input_set": None,
    "weasyprint.text.ffi.harfbuzz_subset.hb_subset_input_set_flags": None,
    "weasyprint.text.ffi.harfbuzz_subset.hb_subset_or_fail": None,
    "weasyprint.text.fonts.get_hb_object_data": "(hb_object, ot_color=None, glyph=None)",
    "weasyprint.text.fonts.get_pango_font_key": "(pango_font)",
    "weasyprint.text.line_break.Layout.deactivate": "(self)",
    "weasyprint.text.line_break.Layout.reactivate": "(self, style)",
    "weasyprint.text.line_break.split_first_line": (
        "(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False)"
    ),
    "weasyprint.text.line_break.strut": "(style)",
}

# Attributes read on WeasyPrint's objects, which their class sets itself
# (``self.<name> =`` in its source); the test reads the source.
ATTRIBUTES = {
    "weasyprint.document.Page": ("_page_box",),
    "weasyprint.pdf.fonts.Font": (
        *("hash", "name", "family", "flags", "ascent", "descent", "italic_angle", "stemv", "stemh"),
        *("hb_face", "tables", "bitmap", "png", "svg", "colr"),
    ),
    "weasyprint.text.line_break.Layout": ("text", "underline_position", "underline_thickness"),
}


def resolve(dotted):
    """The object a dotted name in :data:`SIGNATURES` or :data:`ATTRIBUTES` names."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            target = getattr(target, name)
        return target
    raise ImportError(dotted)


def changed_signatures():
    """``{name: what it is now}`` for each entry of :data:`SIGNATURES` that is gone
    or whose call signature is not the verified one; empty when all match."""
    changed = {}
    for name, expected in SIGNATURES.items():
        try:
            target = resolve(name)
        except (ImportError, AttributeError) as error:
            changed[name] = f"gone ({error})"
            continue
        if expected is not None:
            try:
                actual = str(inspect.signature(target))
            except (TypeError, ValueError) as error:
                actual = f"no signature ({error})"
            if actual != expected:
                changed[name] = actual
    return changed
