"""What the public verification page says about a signature: the facts as they
were frozen with it — the signer's public rows, the apel's title, the election —
each with a note when today's value differs.

Agencies, apel titles and elections are public and editable after signing, so
today's value is named as today's. A signer's own data (name, number) changed after
signing is only said to have changed: a public page shows no more than it must
(UU PDP). Signatures made before the apel was frozen with them (``ceremony_snapshot``
empty) show today's title and election and say they were not recorded.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pledges import pact_text

APEL = gettext_noop("Apel")
ELECTION = gettext_noop("Pemilihan")


@dataclass(frozen=True)
class Fact:
    """One row of the page: ``label`` (Indonesian; the page translates it), the
    value as sealed, and a note in the page's language when today's differs."""

    label: str
    value: str
    note: str = ""


def _changed_notes():
    return {
        APEL: _("Judul apel diubah setelah penandatanganan; sekarang: %(today)s."),
        ELECTION: _("Nama pemilihan diubah setelah penandatanganan; sekarang: %(today)s."),
        pact_text.AGENCY: _("Nama instansi diubah setelah penandatanganan; sekarang: %(today)s."),
    }


def _compare(label, sealed, today):
    if sealed == today:
        return Fact(label, sealed)
    return Fact(label, sealed, _changed_notes()[label] % {"today": today})


def sealed_facts(signature):
    """The rows the verification page shows, as sealed; reads the signature's
    invitation, employee, unit, ceremony, agency and election."""
    invitation = signature.invitation
    ceremony = invitation.ceremony
    text_format = pact_text.get(signature.text_format)
    today = {}
    if text_format is not None:
        rows = text_format.identity(text_format.snapshot(invitation.employee, invitation.unit))
        today = {row.label: row.public for row in rows}
    facts = []
    for row in signature.public_identity():
        if row.label == pact_text.AGENCY:
            # The sealing agency's name today (an employee who moved since is no news for the public).
            facts.append(_compare(row.label, row.public, ceremony.agency.name))
        elif row.label in today and today[row.label] != row.public:
            note = _(
                "Data pegawai ini diubah setelah penandatanganan; yang tertera adalah data saat menandatangani "
                "(data sekarang tidak ditampilkan di halaman publik)."
            )
            facts.append(Fact(row.label, row.public, note))
        else:
            facts.append(Fact(row.label, row.public))
    sealed = signature.ceremony_snapshot
    if sealed is None:
        note = _(
            "Judul apel dan nama pemilihan tidak dicatat bersama tanda tangan ini (ditandatangani sebelum "
            "keduanya dicatat); yang tertera adalah yang berlaku sekarang."
        )
        facts.append(Fact(APEL, ceremony.title, note))
        facts.append(Fact(ELECTION, ceremony.election.short_name))
    else:
        facts.append(_compare(APEL, sealed.get("title", ""), ceremony.title))
        facts.append(_compare(ELECTION, sealed.get("election", ""), ceremony.election.short_name))
    return facts
