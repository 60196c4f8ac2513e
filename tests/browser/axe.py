"""axe-core (vendored under ``vendor/axe-core``, never served by the app) run on the
page a Playwright tab shows, for the rules of WCAG 2.1 A and AA."""

import re
from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (360, 1280)  # a phone and an office screen
# axe leaves these for a person to review ("incomplete"); reviewed, each is a fault here:
# an aria-describedby naming an element the page does not have (a form's error list
# rendered by hand without the id Django's field points at).
REVIEWED_AS_FAULTS = ["aria-valid-attr-value"]


def add_axe(context):
    """Give every document of a browser context axe-core, before its own scripts: an
    init script goes in through the DevTools protocol, which the pages' Content
    Security Policy does not govern, so the pages keep their CSP (no ``bypass_csp``)."""
    context.add_init_script(path=str(AXE))


def violations(page):
    """axe's violations on the page as it is now (and the reviewed faults)."""
    return page.evaluate(
        """([tags, faults]) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
            .then(result => result.violations.concat(result.incomplete.filter(rule => faults.includes(rule.id)))
                .map(rule => ({
                    id: rule.id, impact: rule.impact,
                    nodes: rule.nodes.map(node => ({target: node.target.join(' '), summary: node.failureSummary})),
                })))""",
        [WCAG_21_AA, REVIEWED_AS_FAULTS],
    )


def check(page, where):
    """Run axe at each width of :data:`WIDTHS` (the same document, resized: its CSS
    answers as at that width); one line per failing node, saying where."""
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for rule in violations(page):
            for node in rule["nodes"]:
                summary = re.sub(r"\s+", " ", node["summary"] or "")
                summary = re.sub(r"^Fix (any|all) of the following: ", "", summary)
                found.append(f"{where} @{width}px: {rule['id']} ({rule['impact']}) {node['target']} — {summary}")
    return found
