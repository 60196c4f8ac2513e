"""Helpers for the Inspektorat's tests: signing invitations the real way, or in bulk."""

import datetime

from django.utils import timezone

from ceremonies.models import Invitation
from pledges import pact_text
from pledges.models import Signature
from roster.models import Employee
from tests import factories


def bulk_sign(invitations, *, start=None):
    """Signature rows like the service writes them (frozen identity, text, hashes,
    image), created in one go: for lists of hundreds or thousands of signers."""
    start = start or timezone.now() - datetime.timedelta(hours=1)
    image = factories.signature_png()
    invitations = Invitation.objects.filter(pk__in=[i.pk for i in invitations]).select_related(
        "employee__agency", "unit", "ceremony__election", "ceremony__pact_template"
    )
    rows = [
        Signature.from_draft(
            invitation,
            pact_text.draft(invitation),
            image_png=image,
            method=Signature.Method.APEL,
            signed_at=start + datetime.timedelta(seconds=number),
        )
        for number, invitation in enumerate(invitations)
    ]
    return Signature.objects.bulk_create(rows, batch_size=500)


def invite(ceremony, count, *, unit=None, name="Pegawai Uji", **employee_fields):
    """``count`` new employees of the ceremony's agency (bulk-created), invited."""
    employees = Employee.objects.bulk_create(
        [
            Employee(
                agency=ceremony.agency,
                unit=unit,
                employment_type=employee_fields.get("employment_type", "PNS"),
                nip=factories.nip(),
                name=f"{name} {number:05d}",
                rank=employee_fields.get("rank", "Penata Muda (III/a)"),
                position=employee_fields.get("position", "Analis Kebijakan"),
            )
            for number in range(1, count + 1)
        ],
        batch_size=500,
    )
    employees = Employee.objects.filter(nip__in=[e.nip for e in employees])
    return invite_employees(ceremony, employees)


def invite_employees(ceremony, employees):
    """Invitations for existing employees (the unit snapshot as ``Ceremony.invite`` takes it)."""
    Invitation.objects.bulk_create(
        [Invitation(ceremony=ceremony, employee=e, unit_id=e.unit_id) for e in employees], batch_size=500
    )
    return list(Invitation.objects.filter(ceremony=ceremony, employee__in=employees).order_by("employee__name"))
