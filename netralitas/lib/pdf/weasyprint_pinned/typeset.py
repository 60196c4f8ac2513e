"""Setting a page's few short paragraphs again, for new values, exactly where
WeasyPrint sets them — without a WeasyPrint document.

A WeasyPrint document costs much more than its dozen lines (parsing, cascade, box
building, layout, then writing and subsetting a whole PDF). When many pages come from
one template and differ only in their words, most of that is the same every time. A
:class:`Plan` is read once from a WeasyPrint layout of the template (the *probe*):
which paragraphs there are, where their lines start, how wide they may run, the
computed styles of their text, the gaps between them. For new values,
:meth:`Plan.lay_out` breaks each paragraph into lines with WeasyPrint's own line
breaker (``split_first_line``: Pango and HarfBuzz, the same fonts and features) and
stacks the lines with WeasyPrint's strut arithmetic, so every word lands where a
WeasyPrint render of the same HTML would put it. ``form`` draws the result.

Only what the probe shows is covered: left-aligned paragraphs of text runs, inline
boxes (``<b>``), fixed-width inline blocks holding one line, images. Anything else —
another structure, a run kind the probe did not have, a line break WeasyPrint would
resolve by looking back across boxes, text that is not plain left-to-right, a missing
glyph — raises :class:`Unsupported`, and the caller lays the page out with WeasyPrint.
A plan checks itself against its own probe before it is used (:meth:`Plan.from_layout`).
"""

import io
import types
from dataclasses import dataclass

from PIL import Image
from weasyprint.formatting_structure import boxes
from weasyprint.layout.percent import percentage
from weasyprint.layout.replaced import min_max_auto_replaced, replaced_box_height, replaced_box_width
from weasyprint.text.line_break import split_first_line, strut

from netralitas.lib.pdf.engine import element_box
from netralitas.lib.pdf.weasyprint_pinned.paragraphs import Unsupported, check_text, paragraphs

TOLERANCE = 1e-6  # CSS px: how far the plan may set its probe's words from WeasyPrint
# split_first_line reads hyphenation dictionaries from the layout context; no other part.
LAYOUT_CONTEXT = types.SimpleNamespace(dictionaries={})


# -- what a plan knows ----------------------------------------------------------


@dataclass
class RunPlan:
    kind: str  # "text", "inline-block" or "image"
    style: object  # the text's computed style; an image's
    box_style: object = None  # the inline box (<b>) around the text: its strut counts in the line
    width: float = 0  # an inline block's width
    line_style: object = None  # the line box inside an inline block
    limits: tuple = ()  # an image's min-width, max-width, min-height, max-height


@dataclass
class ParagraphPlan:
    key: str
    flow: int  # the page area or a margin box: paragraphs of one flow follow each other
    x: float  # content box, CSS px from the page's top-left corner
    width: float
    indent: float
    top: float  # where the content starts if first in its flow …
    gap: float  # … else how far below the previous paragraph's content
    first_in_flow: bool
    fixed_height: float | None
    line_style: object
    runs: dict  # path → RunPlan


@dataclass
class Glyphs:
    """A line of one text run, as WeasyPrint draws a TextBox."""

    x: float
    baseline: float
    width: float
    layout: object  # weasyprint.text.line_break.Layout, deactivated like a laid-out TextBox's
    style: object

    @property
    def text(self):
        return self.layout.text


@dataclass
class Picture:
    x: float
    y: float
    width: float
    height: float
    src: str
    style: object


@dataclass
class Page:
    items: list  # Glyphs and Picture, in document order
    spans: dict  # element id → (top, height) of the element enclosing some paragraphs


@dataclass
class _Line:
    items: list
    struts: list  # (margin height, baseline from the margin top) of every box on the line


class Plan:
    """Where a template's paragraphs go, read from a WeasyPrint layout of it."""

    def __init__(self, paragraph_plans, spans, limits):
        self.paragraphs = paragraph_plans
        self.spans = spans  # element id → (first, last paragraph index, top offset, bottom offset)
        self.limits = limits  # flow → lowest bottom its last paragraph may reach and stay on the page

    # -- reading the probe --

    @classmethod
    def from_layout(cls, document, html, *, spans=(), images=None):
        """The plan of ``document`` (one page, laid out by WeasyPrint from ``html``), or
        :class:`Unsupported` if the plan would not set ``html`` exactly like it. ``spans``
        names elements whose height the caller needs (see :attr:`Page.spans`)."""
        page_box = document.pages[0]._page_box
        found = []  # (flow, block box, line boxes)
        for flow, child in enumerate(page_box.children):
            _collect(child, flow, found)
        parsed = paragraphs(html)
        if [p.key for p in parsed] != [_key(block) for _, block in found]:
            raise Unsupported("the HTML's paragraphs are not the layout's")
        plans = []
        previous = {}
        for flow, block in found:
            plans.append(_paragraph_plan(block, flow, previous.get(flow)))
            previous[flow] = block
        span_plans = {}
        for element_id in spans:
            span_plans[element_id] = _span_plan(page_box, element_id, [block for _, block in found])
        limits = {}
        page_bottom = page_box.content_box_y() + page_box.height
        for flow, root in enumerate(page_box.children):
            if flow in previous and isinstance(root, boxes.MarginBox) and root.style["vertical_align"] != "top":
                raise Unsupported("a margin box whose content moves with its height")
            if flow in previous and not isinstance(root, boxes.MarginBox):
                # What follows the last paragraph (bottom padding, borders) must fit too.
                # Margin boxes do not paginate: what overflows them is drawn where it falls.
                last = previous[flow]
                tail = root.border_box_y() + root.border_height() - (last.content_box_y() + last.height)
                limits[flow] = page_bottom - max(tail, 0)
        plan = cls(plans, span_plans, limits)
        plan._check(document, found, parsed, images or {})
        return plan

    def _check(self, document, found, parsed, images):
        page = self.lay_out(parsed, images)
        expected = []
        for _, block in found:
            expected.extend(_drawn_boxes(block))
        if len(expected) != len(page.items):
            raise Unsupported("the plan draws other boxes than WeasyPrint")
        for box, item in zip(expected, page.items, strict=True):
            if isinstance(box, boxes.TextBox):
                ok = (
                    isinstance(item, Glyphs)
                    and box.text == item.text
                    and _near(box.position_x, item.x)
                    and _near(box.position_y + box.baseline, item.baseline)
                    and _near(box.width, item.width)
                )
            else:
                ok = isinstance(item, Picture) and all(
                    _near(a, b)
                    for a, b in zip(
                        (box.content_box_x(), box.content_box_y(), box.width, box.height),
                        (item.x, item.y, item.width, item.height),
                        strict=True,
                    )
                )
            if not ok:
                raise Unsupported(f"the plan sets {box!r} elsewhere than WeasyPrint")
        for element_id, (top, height) in page.spans.items():
            _, y, _, expected_height = element_box(document, element_id)
            if not (_near(y, top) and _near(expected_height, height)):
                raise Unsupported(f"the plan measures #{element_id} differently")

    # -- setting new values --

    def lay_out(self, parsed, images):
        """Set the paragraphs ``parsed`` (from :func:`paragraphs`); ``images`` maps an
        image URL to its bytes (nothing is fetched)."""
        if [p.key for p in parsed] != [p.key for p in self.paragraphs]:
            raise Unsupported("other paragraphs than the plan's")
        items = []
        tops, bottoms = [], []
        flow_bottom = {}
        for paragraph in parsed:
            for run in paragraph.runs:
                check_text(run.text)
        for plan, paragraph in zip(self.paragraphs, parsed, strict=True):
            top = plan.top if plan.first_in_flow else flow_bottom[plan.flow] + plan.gap
            y = top
            for line in self._lines(plan, paragraph.runs, images):
                min_y = min(-baseline for _, baseline in line.struts)
                max_y = max(height - baseline for height, baseline in line.struts)
                baseline = y - min_y
                for item in line.items:
                    if isinstance(item, Picture):
                        item.y = baseline - item.height
                    elif not item.text.strip(" "):
                        continue  # WeasyPrint draws no line of spaces only
                    else:
                        item.baseline = baseline
                    items.append(item)
                y += max_y - min_y
            height = plan.fixed_height if plan.fixed_height is not None else y - top
            flow_bottom[plan.flow] = top + height
            if top + height > self.limits.get(plan.flow, float("inf")):
                raise Unsupported("the paragraphs run past the page: WeasyPrint would start another")
            tops.append(top)
            bottoms.append(top + height)
        spans = {}
        for element_id, (first, last, top_offset, bottom_offset) in self.spans.items():
            top = tops[first] + top_offset
            spans[element_id] = (top, bottoms[last] + bottom_offset - top)
        return Page(items=items, spans=spans)

    def _lines(self, plan, runs, images):
        """The lines of one paragraph, as WeasyPrint's inline layout breaks them."""
        index, skip = 0, 0  # the run, and UTF-8 bytes of it already set
        first_line = True
        data = [run.text.encode() for run in runs]
        while True:
            # Spaces at the start of a line go (skip_first_whitespace).
            while index < len(runs) and not runs[index].src:
                rest = data[index][skip:]
                skip += len(rest) - len(rest.lstrip(b" "))
                if skip < len(data[index]):
                    break
                index, skip = index + 1, 0
            if index == len(runs):
                return
            x = plan.x + (plan.indent if first_line else 0)
            max_x = (plan.x + plan.width) * (1 + 1e-9)
            line = _Line(items=[], struts=[strut(plan.line_style)])
            inline_boxes = set()
            while index < len(runs):
                run = runs[index]
                resume = None
                run_plan = plan.runs.get(run.path)
                if run_plan is None:
                    raise Unsupported(f"a run {run.path} the plan has not seen")
                if run_plan.kind == "image":
                    item = _picture(run_plan, run.src, images, x)
                    line.struts.append((item.height, item.height))
                    new_x = x + item.width
                elif run_plan.kind == "inline-block":
                    item, struts = _inline_block(run_plan, run.text, x)
                    line.struts.append(struts)
                    new_x = x + run_plan.width
                else:
                    text = data[index][skip:].decode()
                    layout, length, resume, width, height, baseline = split_first_line(
                        text, run_plan.style, LAYOUT_CONTEXT, max_x - x, 0, is_line_start=not line.items
                    )
                    if not length:
                        raise Unsupported("an empty line")
                    item = Glyphs(x=x, baseline=0, width=width, layout=layout, style=run_plan.style)
                    line.struts.append(_text_strut(run_plan.style, height, baseline))
                    if run_plan.box_style is not None and run.path not in inline_boxes:
                        inline_boxes.add(run.path)
                        line.struts.append(strut(run_plan.box_style))
                    new_x = x + width
                    if resume is not None:
                        skip += resume
                if new_x > max_x and line.items and new_x - _trailing_space(item) > max_x:
                    # WeasyPrint would look for an earlier break across the boxes.
                    raise Unsupported("a box overflows after others on its line")
                line.items.append(item)
                x = new_x
                if resume is not None:
                    break
                index, skip = index + 1, 0
            _remove_last_whitespace(line)
            yield line
            first_line = False


def _near(a, b):
    return abs(a - b) <= TOLERANCE


def _key(box):
    element = box.element
    return element.tag + "".join(f".{name}" for name in (element.get("class") or "").split())


def _collect(box, flow, found):
    """Block containers holding lines, in document order; only plain block boxes
    between them (no tables, flex or grid boxes, no floats or positioned boxes with
    content), so that a paragraph moves only with the heights above it."""
    if isinstance(box, boxes.BlockContainerBox) and box.children and isinstance(box.children[0], boxes.LineBox):
        if not all(isinstance(child, boxes.LineBox) for child in box.children):
            raise Unsupported("lines beside blocks")
        found.append((flow, box))
        return
    for child in getattr(box, "children", ()):
        if not child.is_in_normal_flow():
            if getattr(child, "children", None):
                raise Unsupported("a float or positioned box with content")
            continue
        if type(child) is not boxes.BlockBox:
            raise Unsupported(f"a {type(child).__name__} around paragraphs")
        _collect(child, flow, found)


def _paragraph_plan(block, flow, previous):
    style = block.style
    if style["direction"] != "ltr" or style["text_align_all"] not in ("start", "left"):
        raise Unsupported("not left-aligned left-to-right text")
    if style["text_align_last"] not in ("auto", "start", "left"):
        raise Unsupported("not left-aligned last lines")
    if style["height"] == "auto" and (block.min_height != 0 or block.max_height != float("inf")):
        raise Unsupported("a paragraph with a minimum or maximum height")
    runs = {}
    for line in block.children:
        for child in line.children:
            _run_plans(child, (), runs)
    indent = percentage(style["text_indent"], style, block.width)
    top = block.content_box_y()
    if previous is None:
        gap = 0
    else:
        gap = top - (previous.content_box_y() + previous.height)
    return ParagraphPlan(
        key=_key(block),
        flow=flow,
        x=block.content_box_x(),
        width=block.width,
        indent=indent,
        top=top,
        gap=gap,
        first_in_flow=previous is None,
        fixed_height=block.height if style["height"] != "auto" else None,
        line_style=block.children[0].style,
        runs=runs,
    )


def _run_plans(box, path, runs, box_style=None):
    style = box.style
    for name in ("letter_spacing", "word_spacing"):
        if style[name] not in ("normal", 0):
            raise Unsupported(name)
    if style["white_space"] != "normal" or style["text_transform"] != "none" or style["vertical_align"] != "baseline":
        raise Unsupported("white-space, text-transform or vertical-align")
    if isinstance(box, boxes.TextBox):
        plan = RunPlan("text", style, box_style=box_style)
    elif isinstance(box, boxes.InlineBox):
        if any(getattr(box, f"{side}_{edge}") for side in ("margin", "padding") for edge in ("left", "right")):
            raise Unsupported("an inline box with margins or padding")
        for child in box.children:
            _run_plans(child, (*path, _key(box)), runs, box_style=style)
        return
    elif isinstance(box, boxes.InlineBlockBox):
        lines = box.children
        if (
            style["width"] == "auto"
            or style["height"] != "auto"
            or box.content_box_x() != box.position_x
            or len(lines) != 1
            or not all(isinstance(child, boxes.TextBox) for child in lines[0].children)
        ):
            raise Unsupported("an inline block other than one line of text at a fixed width")
        path = (*path, _key(box))
        plan = RunPlan(
            "inline-block",
            lines[0].children[0].style,
            width=box.margin_width(),
            line_style=lines[0].style,
        )
    elif isinstance(box, boxes.InlineReplacedBox):
        if style["width"] != "auto" or style["height"] != "auto" or box.margin_width() != box.width:
            raise Unsupported("an image with a set size or margins")
        path = (*path, _key(box))
        plan = RunPlan("image", style, limits=(box.min_width, box.max_width, box.min_height, box.max_height))
    else:
        raise Unsupported(type(box).__name__)
    if runs.setdefault(path, plan).style is not plan.style:
        raise Unsupported(f"two styles for {path}")


def _span_plan(page_box, element_id, blocks):
    span = None
    stack = [page_box]
    while stack and span is None:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and element.get("id") == element_id and hasattr(box, "border_box_y"):
            span = box
        stack.extend(getattr(box, "children", []))
    if span is None:
        raise Unsupported(f"no #{element_id}")
    inside = [i for i, block in enumerate(blocks) if _inside(block, span)]
    if not inside:
        raise Unsupported(f"no paragraph in #{element_id}")
    first, last = blocks[inside[0]], blocks[inside[-1]]
    y, height = span.border_box_y(), span.border_height()
    return (
        inside[0],
        inside[-1],
        y - first.content_box_y(),
        (y + height) - (last.content_box_y() + last.height),
    )


def _inside(block, ancestor):
    stack = [ancestor]
    while stack:
        box = stack.pop()
        if box is block:
            return True
        stack.extend(getattr(box, "children", []))
    return False


def _drawn_boxes(block):
    """The TextBoxes and images WeasyPrint draws for ``block``, in order."""
    result = []

    def walk(box):
        if isinstance(box, boxes.TextBox):
            if box.text.strip():
                result.append(box)
        elif isinstance(box, boxes.InlineReplacedBox):
            result.append(box)
        else:
            for child in getattr(box, "children", ()):
                walk(child)

    walk(block)
    return result


def _text_strut(style, height, baseline):
    """``(margin height, baseline)`` of a TextBox: its Pango line, centred in line-height."""
    line_height, _ = strut(style)
    half_leading = (line_height - height) / 2
    return half_leading + height + half_leading, baseline + half_leading


def _trailing_space(item):
    if not isinstance(item, Glyphs) or not item.text.endswith(" "):
        return 0
    _, _, _, width, _, _ = split_first_line(item.text.rstrip(" "), item.style, LAYOUT_CONTEXT, None, 0)
    return item.width - width


def _remove_last_whitespace(line):
    """Spaces at the end of a line go (WeasyPrint's remove_last_whitespace)."""
    item = line.items[-1]
    if not isinstance(item, Glyphs) or not item.text.endswith(" "):
        return
    text = item.text.rstrip(" ")
    if not text:
        raise Unsupported("a line ending in a box of spaces")
    item.layout, _, _, item.width, _, _ = split_first_line(text, item.style, LAYOUT_CONTEXT, None, 0)


def _inline_block(run_plan, text, x):
    """A fixed-width inline block holding one line of text: its Glyphs and its strut."""
    text = text.strip(" ")
    if not text:
        raise Unsupported("an empty inline block")
    layout, _, resume, width, height, baseline = split_first_line(
        text, run_plan.style, LAYOUT_CONTEXT, (x + run_plan.width) * (1 + 1e-9) - x, 0
    )
    if resume is not None or width > run_plan.width:
        raise Unsupported("an inline block's text does not fit one line")
    struts = [strut(run_plan.line_style), _text_strut(run_plan.style, height, baseline)]
    min_y = min(-b for _, b in struts)
    max_y = max(h - b for h, b in struts)
    return Glyphs(x=x, baseline=0, width=width, layout=layout, style=run_plan.style), (max_y - min_y, -min_y)


class _Intrinsic:
    def __init__(self, width, height):
        self.width, self.height = width, height

    def get_intrinsic_size(self, resolution, font_size):
        return self.width / resolution, self.height / resolution, self.width / self.height


def _picture(run_plan, src, images, x):
    """An image laid out as WeasyPrint sizes an inline replaced box (CSS 2.1 §10.3.2, §10.4)."""
    data = images.get(src)
    if data is None:
        raise Unsupported("an image the caller did not give")
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    if not width or not height:
        raise Unsupported("an empty image")
    min_width, max_width, min_height, max_height = run_plan.limits
    box = types.SimpleNamespace(
        width="auto",
        height="auto",
        style=run_plan.style,
        replacement=_Intrinsic(width, height),
        min_width=min_width,
        max_width=max_width,
        min_height=min_height,
        max_height=max_height,
    )
    replaced_box_width.without_min_max(box, None)
    replaced_box_height.without_min_max(box)
    min_max_auto_replaced(box)
    return Picture(x=x, y=0, width=box.width, height=box.height, src=src, style=run_plan.style)
