"""The direct overlay's pins (netralitas/lib/pdf/weasyprint_pinned): the versions of
WeasyPrint and pydyf it was verified with, and the shape of every internal it calls
or reads. Each check fails with the name of what changed and what to do."""

import importlib.metadata
import inspect
import re

import pytest

from netralitas.lib.pdf import weasyprint_pinned
from netralitas.lib.pdf.weasyprint_pinned import ATTRIBUTES, SIGNATURES, VERIFIED_WITH, resolve

WHAT_TO_DO = (
    "adapt netralitas/lib/pdf/weasyprint_pinned (typeset.py, form.py) and its tables, or delete the "
    "package so that every pact's parts are laid out by WeasyPrint; see the package's docstring"
)


@pytest.mark.parametrize("distribution", sorted(VERIFIED_WITH))
def test_the_installed_version_is_the_one_the_direct_overlay_was_verified_with(distribution):
    installed = importlib.metadata.version(distribution)
    assert installed == VERIFIED_WITH[distribution], (
        f"{distribution} is {installed}; the direct overlay was verified with {VERIFIED_WITH[distribution]}: "
        f"run this file and tests/pledges/test_pdf*.py, re-measure (make bench-pdf "
        f'BENCH_ARGS="--compare-shortcuts"), then update VERIFIED_WITH — or {WHAT_TO_DO}'
    )


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_every_internal_the_direct_overlay_calls_has_its_verified_signature(name):
    try:
        target = resolve(name)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{name} is gone ({error}): {WHAT_TO_DO}")
    expected = SIGNATURES[name]
    if expected is not None:
        actual = str(inspect.signature(target))
        assert actual == expected, f"{name} is now {actual}, verified as {expected}: {WHAT_TO_DO}"


@pytest.mark.parametrize(
    ("owner", "attribute"), [(owner, attribute) for owner, names in sorted(ATTRIBUTES.items()) for attribute in names]
)
def test_every_attribute_the_direct_overlay_reads_is_still_set_by_its_class(owner, attribute):
    source = inspect.getsource(resolve(owner))
    assert re.search(rf"self\.{attribute}\b(\s*,\s*self\.\w+)*\s*=[^=]", source), (
        f"{owner} no longer sets .{attribute}: {WHAT_TO_DO}"
    )


def test_the_runtime_check_agrees_with_the_tests():
    """What a worker checks once before its first direct overlay."""
    assert weasyprint_pinned.changed_signatures() == {}
