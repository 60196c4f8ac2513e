"""The apps form a stack: each imports only what lies below it.

    inspektorat, privacy,  the Inspektorat's pages; the breach register (UU PDP);
    webhooks               the agencies' webhooks (told by the apps through netralitas.lib.events)
    ceremonies ⇄ pledges   the one domain cycle: Ceremony → PactTemplate, Signature → Invitation
    roster                 agencies, units, employees, staff roles
    jobs                   background work with a progress bar, and its files (knows Agency by name)
    audit                  the trail every page writes (knows models only by their attributes)
    netralitas             the project package: settings, URLs, error pages — imports no app
    netralitas.lib         helpers that are no app: settings readers, dates, tokens, PDF engine…
 This test reads
the ``import`` statements of every module (migrations aside) and names any edge
that points up the stack.
"""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = {
    "netralitas.lib": 0,
    "netralitas": 1,  # the project package: settings, URLs, error pages
    "audit": 2,
    "jobs": 3,
    "roster": 4,
    "ceremonies": 5,
    "pledges": 5,
    "inspektorat": 6,
    "privacy": 6,
    "api": 7,  # the read API for the agency's systems: reads what the Inspektorat's pages read
    "webhooks": 6,
}
DOCUMENTED_CYCLE = {"ceremonies", "pledges"}


def package_of(module):
    parts = module.split(".")
    if parts[0] == "netralitas" and parts[1:2] == ["lib"]:
        return "netralitas.lib"
    return parts[0] if parts[0] in LAYERS else None


def imports():
    """``(importing package, imported package, file)`` for every first-party import."""
    root = Path(settings.BASE_DIR)
    for path in sorted(root.glob("*/**/*.py")):
        relative = path.relative_to(root)
        source = package_of(".".join(relative.with_suffix("").parts))
        if source is None or "migrations" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(relative))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                target = package_of(name)
                if target is not None and target != source:
                    yield source, target, str(relative)


def test_imports_go_down_the_stack():
    upward = [
        f"{file}: {source} imports {target}"
        for source, target, file in imports()
        if LAYERS[target] > LAYERS[source]
        or (LAYERS[target] == LAYERS[source] and {source, target} != DOCUMENTED_CYCLE)
    ]
    assert not upward, "imports against the stack (see this test's docstring):\n" + "\n".join(upward)


def test_no_two_way_edge_but_the_documented_one():
    edges = {(source, target) for source, target, _file in imports()}
    cycles = {frozenset(edge) for edge in edges if edge[::-1] in edges}
    assert cycles <= {frozenset(DOCUMENTED_CYCLE)}, cycles


def module_imports():
    """``{module: modules of ours it imports}`` — at the top or inside a function alike."""
    root = Path(settings.BASE_DIR)
    modules = {}
    for path in sorted(root.glob("*/**/*.py")):
        relative = path.relative_to(root)
        if package_of(".".join(relative.with_suffix("").parts)) is None or "migrations" in relative.parts:
            continue
        modules[".".join(relative.with_suffix("").parts).removesuffix(".__init__")] = path
    edges = {}
    for module, path in modules.items():
        edges[module] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            edges[module] |= {name for name in names if name in modules and name != module}
    return edges


def test_no_module_imports_itself_back():
    """A circle of modules (``jobs.engine`` → ``jobs.tasks`` → ``jobs.engine`` was one,
    hidden in a function) means neither can be read, or loaded, alone."""
    edges = module_imports()
    circles = []
    for start in edges:
        path, seen = [start], set()
        stack = [(start, iter(sorted(edges[start])))]
        while stack:
            module, following = stack[-1]
            target = next(following, None)
            if target is None:
                stack.pop()
                path.pop()
            elif target == start:
                circles.append(" → ".join([*path, start]))
            elif target not in seen:
                seen.add(target)
                path.append(target)
                stack.append((target, iter(sorted(edges[target]))))
    assert not circles, "modules that import each other back:\n" + "\n".join(sorted(set(circles))[:20])
