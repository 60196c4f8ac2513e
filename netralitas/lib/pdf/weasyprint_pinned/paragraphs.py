"""A page's HTML as paragraphs of text runs, for ``typeset``: the blocks that hold
text or images, in document order, each with its runs (the text and the inline
elements around it), whitespace collapsed as ``white-space: normal`` collapses it.

Only the plain HTML of our PDF templates is read; anything else (another element,
text beside blocks) raises :class:`Unsupported`, and the caller lays the page out
with WeasyPrint. Values reach this parser escaped by the template, like any text.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

BLOCK_TAGS = {"html", "body", "div", "p", "footer", "header", "section", "main", "article", "aside"}
INLINE_TAGS = {"span", "b", "strong", "i", "em", "small", "u"}
IGNORED_TAGS = {"head", "title", "style", "script", "template"}
UNSAFE_ASCII = re.compile(r"[\x00-\x1f\x7f]")
RTL = {"R", "AL", "AN"}


class Unsupported(Exception):
    """The plan cannot set this page the way WeasyPrint would: lay it out with WeasyPrint."""


# -- the HTML: paragraphs and their runs ----------------------------------------


@dataclass
class Run:
    path: tuple  # the inline elements between the paragraph and this run, as "tag.class"
    text: str = ""
    src: str = ""  # an <img>: its URL


@dataclass
class Paragraph:
    key: str  # the block element, as "tag.class"
    runs: list = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []  # open blocks: [Paragraph, has block children]
        self.inline = []  # open inline elements inside the innermost block
        self.ignored = 0
        self.paragraphs = []

    def handle_starttag(self, tag, attrs):
        if tag in IGNORED_TAGS:
            self.ignored += 1
            return
        if self.ignored or tag in ("meta", "link"):
            return
        attrs = dict(attrs)
        key = tag + "".join(f".{name}" for name in (attrs.get("class") or "").split())
        if tag in BLOCK_TAGS:
            if self.inline:
                raise Unsupported(f"<{tag}> inside an inline element")
            if self.blocks:
                self.blocks[-1][1] = True
            self.blocks.append([Paragraph(key), False])
        elif tag in INLINE_TAGS:
            self.inline.append(key)
        elif tag == "img":
            self._content(Run((*self.inline, key), src=attrs.get("src") or ""))
        else:
            raise Unsupported(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in IGNORED_TAGS:
            self.ignored -= 1
        elif self.ignored or tag not in BLOCK_TAGS | INLINE_TAGS:
            return
        elif tag in INLINE_TAGS:
            self.inline.pop()
        else:
            paragraph, has_blocks = self.blocks.pop()
            visible = [run for run in paragraph.runs if run.src or run.text.strip(" \t\n\r\f")]
            if visible and has_blocks:
                raise Unsupported(f"text beside blocks in <{paragraph.key}>")
            if visible:
                self.paragraphs.append(paragraph)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in BLOCK_TAGS | INLINE_TAGS:
            self.handle_endtag(tag)

    def handle_data(self, data):
        if not self.ignored and self.blocks:
            self._content(Run(tuple(self.inline), text=data))

    def _content(self, run):
        if not self.blocks:
            raise Unsupported("content outside a block")
        self.blocks[-1][0].runs.append(run)


def paragraphs(html):
    """The paragraphs of ``html`` (blocks holding text or images), in document order,
    whitespace collapsed as ``white-space: normal`` does."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    for paragraph in parser.paragraphs:
        previous_space = True
        for run in paragraph.runs:
            if run.src:
                previous_space = False
                continue
            text = re.sub(r"[ \t\n\r\f]+", " ", run.text)
            if previous_space and text.startswith(" "):
                text = text[1:]
            if text:
                previous_space = text.endswith(" ")
            run.text = text
        paragraph.runs = [run for run in paragraph.runs if run.src or run.text]
    return parser.paragraphs


def check_text(text):
    """Raise :class:`Unsupported` for text that is not plain left-to-right words."""
    if text.isascii():
        if UNSAFE_ASCII.search(text):
            raise Unsupported("control character")
        return
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "C" or category in ("Zl", "Zp") or (category == "Zs" and char != " "):
            raise Unsupported(f"U+{ord(char):04X}")
        if unicodedata.bidirectional(char) in RTL:
            raise Unsupported("right-to-left text")
