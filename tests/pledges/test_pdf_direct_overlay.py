"""The signer's parts drawn without a WeasyPrint document (netralitas/lib/pdf/
weasyprint_pinned), seen from the pact: after a WeasyPrint upgrade the pact falls back
to WeasyPrint's public path and still reads back right and validates, with one log
line per process; and each text format gets its own plan."""

import logging

import pytest
from weasyprint.text import line_break

from netralitas.lib.pdf.weasyprint_pinned import form
from pledges import pact_text
from pledges.pdf.pact import build_signed_pdf, compose_pact
from tests.pdfa import assert_pdfa_2u
from tests.pledges.test_pdf import flat, pdf_text, validation_status, words
from tests.pledges.test_pdf import forget_overlay_plans as new_process
from tests.pledges.test_pdf import later_signer as new_signer

pytestmark = pytest.mark.django_db

LOGGER = "netralitas.lib.pdf.weasyprint_pinned.overlays"


def a_signature_changed(monkeypatch):
    """WeasyPrint's line breaker takes another argument (seen by the check a worker
    runs before its first direct overlay)."""

    def split_first_line(text, style, context, max_width, justification_spacing, is_line_start=True, hyphens=None):
        raise AssertionError("never called: the check turns the direct overlay off first")

    monkeypatch.setattr(line_break, "split_first_line", split_first_line)


def a_call_that_fails(monkeypatch):
    """WeasyPrint's glyph drawing wants another argument, met while drawing after the
    check passed (as the version in use when the worker started was replaced)."""

    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix, *, x_offset):
        raise AssertionError("never called: Python refuses the call")

    monkeypatch.setattr(form, "draw_first_line", draw_first_line)


@pytest.mark.parametrize("upgrade", [a_signature_changed, a_call_that_fails])
def test_after_a_weasyprint_upgrade_pacts_fall_back_to_weasyprint_logged_once(
    upgrade, signature, signature_data_url, caplog, monkeypatch
):
    agency = signature.invitation.ceremony.agency
    if upgrade is a_signature_changed:
        upgrade(monkeypatch)  # installed before the worker starts
        new_process()
        build_signed_pdf(signature)
    else:
        new_process()
        build_signed_pdf(signature)  # teaches the plan
        assert compose_pact(new_signer(signature, signature_data_url)).direct
        upgrade(monkeypatch)
    others = [
        new_signer(signature, signature_data_url, name="Siti Rahmawati, S.E."),
        new_signer(signature, signature_data_url, name="Ni Luh Putu Ayu Ésthér Wahyuni, S.Kom., M.T."),
    ]
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for other in others:
            assert not compose_pact(other).direct
            composed = build_signed_pdf(other)
            assert sorted(words(composed)) == sorted(words(build_signed_pdf(other, compose=False)))
            assert flat(pdf_text(composed)).count(other.signer["name"]) == 2
            assert_pdfa_2u(composed)
            status = validation_status(composed, agency)
            assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"
    warnings = [record for record in caplog.records if record.name == LOGGER and record.levelno >= logging.WARNING]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert "weasyprint_pinned" in warnings[0].getMessage()


class StatusFormat(pact_text.Format2):
    """A later format with one more row in the identity block (as in the recipe of
    docs/architecture.md): its signers' parts are laid out differently."""

    version = 3

    def snapshot(self, employee, unit):
        return {**super().snapshot(employee, unit), "employment": employee.get_employment_type_display()}

    def identity(self, signer):
        rows = super().identity(signer)
        rows.insert(2, pact_text.Row("Status Kepegawaian", signer["employment"], signer["employment"]))
        return rows


def test_old_and_new_format_signers_of_one_ceremony_each_get_their_own_plan(signature, signature_data_url, monkeypatch):
    monkeypatch.setitem(pact_text.FORMATS, 3, StatusFormat())
    new_process()

    def signer_in_format(version, name):
        monkeypatch.setattr(pact_text, "CURRENT", version)
        return new_signer(signature, signature_data_url, name=name)

    old_first, new_first = signer_in_format(2, "Pegawai Lama Satu"), signer_in_format(3, "Pegawai Baru Satu")
    old_second, new_second = signer_in_format(2, "Pegawai Lama Dua"), signer_in_format(3, "Pegawai Baru Dua")
    assert {old_first.text_format, old_second.text_format, new_first.text_format, new_second.text_format} == {2, 3}
    # The first signer of each format in a process teaches its plan…
    for first in (old_first, new_first):
        assert not compose_pact(first).direct
        build_signed_pdf(first)
    # … and later signers of both formats are drawn from theirs, where a single render puts them.
    for later in (old_second, new_second, old_first, new_first):
        assert compose_pact(later).direct, later.signer["name"]
        composed = build_signed_pdf(later)
        assert sorted(words(composed)) == sorted(words(build_signed_pdf(later, compose=False)))
        text = flat(pdf_text(composed))
        assert ("Status Kepegawaian : PNS" in text) == (later.text_format == 3), text
        assert validation_status(composed, signature.invitation.ceremony.agency).valid


def test_shortcuts_off_lays_out_every_signer_with_weasyprint_and_pyhankos_cms(
    signature, signature_data_url, settings, monkeypatch
):
    """``SHORTCUTS_AROUND_LIBRARIES=0`` (after an upgrade, or to measure a shortcut): the
    same pact, every part from the libraries' public paths, still right and valid."""
    from pledges.pdf import pyhanko_pinned

    new_process()
    build_signed_pdf(signature)  # a plan exists: the shortcut would be taken
    other = new_signer(signature, signature_data_url, name="Siti Rahmawati, S.E.")
    assert compose_pact(other).direct
    settings.SHORTCUTS_AROUND_LIBRARIES = False
    monkeypatch.setattr(
        pyhanko_pinned.CmsTemplateSigner, "_sign_from_template", lambda *a, **k: pytest.fail("the template ran")
    )
    assert not compose_pact(other).direct
    composed = build_signed_pdf(other)
    assert flat(pdf_text(composed)).count(other.signer["name"]) == 2
    assert_pdfa_2u(composed)
    assert validation_status(composed, signature.invitation.ceremony.agency).valid
