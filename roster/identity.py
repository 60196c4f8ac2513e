"""How a person's identity number is written: the one formatter for NIP, NI PPPK
and NIK, for every page, document, export and file name.

The rules of the numbers themselves (what a valid NIP is) are ``roster.nip``.
Where each form is used:

* ``str(identifier)`` — staff pages, manifests, link sheets:
  ``19800101 200501 1 001``, or ``NIK …1234`` (the audit needs no full NIK);
* ``labelled`` — a column that holds all three kinds (the recap):
  ``NIP 19800101 200501 1 001``, ``NI PPPK 19900101 202321 2 001``, ``NIK …1234``;
* ``on_document`` — what the pact itself prints: the NIP in full, a NIK masked;
* ``masked`` — public pages (UU PDP): ``1980**** 200501 * **1``, ``************1234``.

File names carry no identity number at all (``pledges.documents.pact_file_name``).
"""

from typing import NamedTuple

NIP_LENGTH = 18
NIK_VISIBLE = 4
NIK = "NIK"
NIP = "NIP"
NI_PPPK = "NI PPPK"
PPPK = "PPPK"  # roster.models.EmploymentType.PPPK


def format_nip(nip):
    """Group an NIP as it is printed on documents: ``19800101 200501 1 001``."""
    if not nip or len(nip) != NIP_LENGTH:
        return nip or ""
    return f"{nip[0:8]} {nip[8:14]} {nip[14]} {nip[15:18]}"


def mask_nip(nip):
    """Hide the birth date and sequence for public pages: ``1980**** 200501 * **1``."""
    if not nip or len(nip) != NIP_LENGTH:
        return ""
    return f"{nip[0:4]}**** {nip[8:14]} * **{nip[17]}"


def mask_tail(digits):
    """All but the last four digits hidden: ``************1234``."""
    return "*" * max(len(digits) - NIK_VISIBLE, 0) + digits[-NIK_VISIBLE:]


class Identifier(NamedTuple):
    """An identity number and its kind: ``"NIP"`` (PNS), ``"NI PPPK"`` or ``"NIK"``
    (non-ASN staff, who have no NIP)."""

    kind: str
    number: str  # digits only

    @classmethod
    def of(cls, nip, nik, kind=NIP):
        """From an employee's fields: the NIP under ``kind`` when there is one, else the NIK."""
        if nip:
            return cls(kind, nip)
        return cls(NIK, nik or "")

    @classmethod
    def of_type(cls, nip, nik, employment_type):
        """From an employee's fields and employment type: a PPPK's number is an NI PPPK, as BKN writes it."""
        return cls.of(nip, nik, NI_PPPK if employment_type == PPPK else NIP)

    @classmethod
    def of_signer(cls, signer):
        """From the identity block frozen in a signature (``id_label``, ``id_number``)."""
        digits = "".join(filter(str.isdigit, signer.get("id_number", "")))
        return cls(signer.get("id_label") or NIP, digits)

    @property
    def is_nik(self):
        return self.kind == NIK

    def __str__(self):
        if self.is_nik:
            return f"{NIK} …{self.number[-NIK_VISIBLE:]}" if self.number else ""
        return format_nip(self.number)

    @property
    def labelled(self):
        """The number with its kind, where one column holds NIPs, NI PPPKs and NIKs."""
        if not self.number:
            return ""
        return str(self) if self.is_nik else f"{self.kind} {self}"

    @property
    def on_document(self):
        return mask_tail(self.number) if self.is_nik else format_nip(self.number)

    @property
    def masked(self):
        if self.is_nik or len(self.number) != NIP_LENGTH:
            return mask_tail(self.number)
        return mask_nip(self.number)
