"""The one door into the direct drawing, and the guard around it.

:class:`DirectOverlays` keeps a process's plans, keyed by everything that changes a
page's layout: the caller's key (for a pact, its shared base page and its text
format) and the page's own structure (its paragraphs and their runs), so that a
signer whose page is built differently learns a plan of its own instead of missing
another's. It answers ``None`` whenever the direct path cannot draw a page — the
caller then uses WeasyPrint — and never raises.
"""

import logging
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings

from netralitas.lib.pdf.weasyprint_pinned import changed_signatures
from netralitas.lib.pdf.weasyprint_pinned.paragraphs import Unsupported, paragraphs

logger = logging.getLogger(__name__)

PLAN_ATTEMPTS = 3  # pages whose WeasyPrint layout may teach a key's plan before we stop trying
PLANS = 64  # plans kept per process (~100 KiB each), least recently used out first


@dataclass(frozen=True)
class Drawn:
    """A page drawn from a plan."""

    form: object  # netralitas.lib.pdf.xobject.FormXObject: plain bytes for pyHanko
    spans: dict  # element id → (top, height) in CSS px, for the ids the plan was asked to measure
    kept: object  # what the caller gave :meth:`DirectOverlays.learn` with the plan


@dataclass(frozen=True)
class _Plan:
    typeset: object  # typeset.Plan
    page_size: tuple  # CSS px
    kept: object


class DirectOverlays:
    """Plans learned from WeasyPrint layouts, and pages drawn from them, per process."""

    def __init__(self):
        self.reset()

    def reset(self):
        """As in a new process: no plans (the next page of each key is laid out by
        WeasyPrint and teaches one), the internals not checked yet, nothing logged."""
        self.enabled = True  # False: every page goes to WeasyPrint (benchmarks compare both)
        self._plans = OrderedDict()
        self._failures = {}
        self._checked = False
        self._logged = False

    def draw(self, key, html, images):
        """The page ``html`` drawn from the plan learned for ``key`` and its structure,
        or ``None`` (no plan yet, a page the plan does not cover, any error)."""
        if not self._usable():
            return None
        try:
            # Imported here: WeasyPrint's internals may be gone after an upgrade.
            from netralitas.lib.pdf.weasyprint_pinned import form, typeset

            parsed = paragraphs(html)
            plan_key = (key, _structure(parsed))
            plan = self._plans.get(plan_key)
            if plan is None:
                return None
            self._plans.move_to_end(plan_key)
            page = plan.typeset.lay_out(parsed, images)
            drawing = form.Drawing(*plan.page_size)
            for item in page.items:
                if isinstance(item, typeset.Picture):
                    drawing.image(item, images[item.src])
                else:
                    drawing.text(item)
            return Drawn(form=drawing.finish(), spans=page.spans, kept=plan.kept)
        except Unsupported as reason:
            logger.debug("Page laid out by WeasyPrint: %s", reason)
        except Exception as error:  # any failure: the public path (see the module)
            self._unexpected(error)
        return None

    def learn(self, key, document, html, images, *, spans=(), keep=None):
        """Learn the plan of ``key`` from ``document``, WeasyPrint's one-page layout of
        ``html``, if it sets that page's words exactly where WeasyPrint did; ``spans``
        names elements whose (top, height) :meth:`draw` reports. Returns whether a
        plan was kept."""
        if not self._usable():
            return False
        try:
            from netralitas.lib.pdf.weasyprint_pinned import typeset

            plan_key = (key, _structure(paragraphs(html)))
            if plan_key in self._plans or self._failures.get(plan_key, 0) >= PLAN_ATTEMPTS:
                return False
            try:
                plan = typeset.Plan.from_layout(document, html, spans=spans, images=images)
            except Unsupported as reason:
                self._failures[plan_key] = self._failures.get(plan_key, 0) + 1
                logger.info("No direct plan from this page: %s", reason)
                return False
            page = document.pages[0]
            self._plans[plan_key] = _Plan(typeset=plan, page_size=(page.width, page.height), kept=keep)
            while len(self._plans) > PLANS:
                self._plans.popitem(last=False)
            return True
        except Exception as error:  # any failure: the public path (see the module)
            self._unexpected(error)
            return False

    def _usable(self):
        if not self.enabled or not settings.SHORTCUTS_AROUND_LIBRARIES:
            return False
        if not self._checked:
            self._checked = True
            changed = changed_signatures()
            if changed:
                self.enabled = False
                logger.warning(
                    "WeasyPrint or pydyf is not the version the direct overlay was verified with "
                    "(netralitas/lib/pdf/weasyprint_pinned): %s. Every page is laid out by WeasyPrint.",
                    "; ".join(f"{name} is now {now}" for name, now in changed.items()),
                )
        return self.enabled

    def _unexpected(self, error):
        if self._logged:
            logger.debug("Direct overlay failed again (%r); WeasyPrint lays the page out.", error)
            return
        self._logged = True
        logger.warning(
            "Direct overlay failed (%r); WeasyPrint lays the page out. Logged once per process: "
            "see netralitas/lib/pdf/weasyprint_pinned.",
            error,
            exc_info=error,
        )


def _structure(parsed):
    """What a page's plan depends on besides its words: its paragraphs and their runs."""
    return tuple((paragraph.key, tuple(run.path for run in paragraph.runs)) for paragraph in parsed)


direct_overlays = DirectOverlays()
