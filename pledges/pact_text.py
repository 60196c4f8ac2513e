"""The text a signer signs, in numbered formats that never change once used.

A signature records the number of the format its identity block and text were
built with (``Signature.text_format``), and verification rebuilds the text with
that format forever — so a pact signed in 2024 still verifies whatever later
versions of this module print. A format in use is never edited: a change to the
identity block or to the text's layout is a new format (see "Adding a field to the
pact" in ``docs/architecture.md``, and ``tests/pledges/test_pact_text.py``, which
does exactly that).

The identity block is defined here once, per format (:meth:`TextFormat.identity`):
the signing page, the PDF, the canonical text and the verification page all print
its rows, each in the form it needs:

* ``text`` — in the signed text (its SHA-256 is the signature's);
* ``document`` — on the pact and the signing page (a NIK is masked there);
* ``public`` — on the public verification page, or ``None`` when it is not shown
  there (UU PDP: no more than "who, masked").

Labels are Indonesian, as on the paper pact; pages translate them
(``{% translate row.label %}``), documents and the text never do.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from roster.identity import NIK, NIP, Identifier, format_nip

NAME = gettext_noop("Nama")
RANK = gettext_noop("Pangkat/Golongan")
POSITION = gettext_noop("Jabatan")
UNIT = gettext_noop("Unit Kerja")
AGENCY = gettext_noop("Instansi")
NI_PPPK = gettext_noop("NI PPPK")
_ID_LABELS = (gettext_noop("NIP"), gettext_noop("NIK"))


@dataclass(frozen=True)
class Row:
    """One line of the identity block."""

    label: str
    text: str
    document: str
    public: str | None = None


class TextFormat:
    """How one format freezes the signer (``snapshot``), lays out the identity block
    (``identity``) and writes the text the signature's hash covers (``text``)."""

    version = None

    def snapshot(self, employee, unit):
        raise NotImplementedError

    def identity(self, signer):
        """The identity block's rows, from a frozen snapshot."""
        identifier = Identifier.of_signer(signer)
        return [
            Row(NAME, signer["name"], signer["name"], public=signer["name"]),
            Row(signer["id_label"], signer["id_number"], identifier.on_document, public=identifier.masked),
            Row(RANK, signer["rank"], signer["rank"]),
            Row(POSITION, signer["position"], signer["position"]),
            Row(UNIT, signer["unit"], signer["unit"]),
            Row(AGENCY, signer["agency"], signer["agency"], public=signer["agency"]),
        ]

    def text(self, signer, pact):
        """The exact text shown on the signing page, as one string; its UTF-8 bytes
        are what the signature's SHA-256 covers."""
        lines = [pact["title"], "", pact["intro"]]
        lines += [f"{row.label}: {row.text}" for row in self.identity(signer)]
        lines += ["", pact["opening"]]
        lines += [f"{number}. {point}" for number, point in enumerate(pact["points"], start=1)]
        lines += ["", pact["closing"]]
        return "\n".join(lines)


class Format1(TextFormat):
    """The first format (2024): every employee with an 18-digit number is labelled
    NIP, PPPK included; the NIK of a non-ASN employee is written in full in the text."""

    version = 1

    def snapshot(self, employee, unit):
        if employee.nip:
            label, number = NIP, format_nip(employee.nip)
        else:
            label, number = NIK, employee.nik
        return {
            "name": employee.name,
            "id_label": label,
            "id_number": number,
            "rank": employee.rank,
            "position": employee.position,
            "unit": unit.name if unit else "",
            "agency": employee.agency.name,
        }


class Format2(Format1):
    """A PPPK employee's number is labelled NI PPPK, as BKN writes it."""

    version = 2

    def snapshot(self, employee, unit):
        return {**super().snapshot(employee, unit), "id_label": employee.identifier.kind}


FORMATS = {fmt.version: fmt for fmt in (Format1(), Format2())}
# The format new signatures are made with.
CURRENT = 2
# Older formats a signer may still seal a text in, besides the current one: while a
# deploy brings a new format, list the one before it here so that a page opened just
# before the deploy seals exactly what it showed (otherwise it is refused and shows the
# new text). Format 1 is not signable: it labelled a PPPK as NIP.
STILL_SIGNABLE = ()


def current():
    return FORMATS[CURRENT]


def get(version):
    """The format numbered ``version``, or ``None`` for a number this code does not know."""
    return FORMATS.get(version)


@dataclass(frozen=True)
class Draft:
    """What the signer of an invitation is shown — the identity block and the pact, in
    one text format — and, if they sign, seals: a signature is made from its draft."""

    text_format: int
    signer: dict
    pact: dict
    text: str

    @property
    def sha256(self):
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def identity(self):
        return FORMATS[self.text_format].identity(self.signer)


def draft(invitation, version=None):
    """The draft of ``invitation`` in format ``version`` (default: the current one),
    from the employee, unit, pact version and election as they are now."""
    fmt = FORMATS[CURRENT if version is None else version]
    ceremony = invitation.ceremony
    signer = fmt.snapshot(invitation.employee, invitation.unit)
    pact = ceremony.pact_template.render(ceremony.election)
    return Draft(fmt.version, signer, pact, fmt.text(signer, pact))


def draft_as_shown(invitation, version, sha256):
    """The draft the signer was shown — format ``version``, text hashing to ``sha256`` —
    if it can still be signed exactly as shown; ``None`` when the text has changed since
    (a renamed agency or unit, a new pact version, a new election name) or its format
    can no longer be signed."""
    if (version != CURRENT and version not in STILL_SIGNABLE) or version not in FORMATS:
        return None
    shown = draft(invitation, version)
    return shown if hmac.compare_digest(shown.sha256, sha256) else None
