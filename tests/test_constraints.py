"""The rules that matter are kept by the database itself, not only by forms."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ceremonies.models import Invitation
from pledges import pact_text
from pledges.models import PactTemplate, Signature
from roster.models import Employee, StaffProfile
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    agency = factories.agency()
    ceremony = factories.ceremony(agency)
    return Invitation.objects.create(ceremony=ceremony, employee=factories.employee(agency))


def make_signature(invitation):
    """Saved directly, past the service: these tests are about the database's rules."""
    signature = Signature.from_draft(
        invitation,
        pact_text.draft(invitation),
        image_png=factories.signature_png(),
        method=Signature.Method.LINK,
        signed_at=timezone.now(),
    )
    signature.save()
    return signature


def raises_integrity(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_second_invitation_for_same_employee_and_ceremony(invitation):
    raises_integrity(lambda: Invitation.objects.create(ceremony=invitation.ceremony, employee=invitation.employee))


def test_second_signature_for_same_invitation(invitation):
    make_signature(invitation)
    raises_integrity(lambda: make_signature(invitation))
    assert Signature.objects.count() == 1


def test_signature_cannot_be_updated(invitation):
    signature = make_signature(invitation)
    raises_integrity(lambda: Signature.objects.filter(pk=signature.pk).update(text="diubah"))
    signature.text = "diubah"
    raises_integrity(signature.save)
    signature.refresh_from_db()
    assert signature.is_intact()


def test_signature_cannot_be_deleted(invitation):
    signature = make_signature(invitation)
    raises_integrity(lambda: Signature.objects.filter(pk=signature.pk).delete())
    assert Signature.objects.filter(pk=signature.pk).exists()


def test_signed_invitation_cannot_be_deleted(invitation):
    make_signature(invitation)
    with pytest.raises(IntegrityError), transaction.atomic():  # ProtectedError is one
        Invitation.objects.filter(pk=invitation.pk).delete()
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_pact_template_in_use_is_frozen(invitation):
    template = invitation.ceremony.pact_template
    template.title = "Boleh diubah selama belum dipakai"
    template.save()
    assert not template.is_frozen

    make_signature(invitation)
    assert template.is_frozen
    raises_integrity(lambda: PactTemplate.objects.filter(pk=template.pk).update(points="Butir lain"))
    raises_integrity(lambda: PactTemplate.objects.filter(pk=template.pk).delete())
    template.refresh_from_db()
    assert template.title == "Boleh diubah selama belum dipakai"

    new = template.new_version()
    new.points = "Butir lain"
    new.save()
    assert (new.code, new.version) == (template.code, template.version + 1)


def test_pact_version_numbers_are_unique():
    template = factories.pact_template()
    raises_integrity(
        lambda: PactTemplate.objects.create(
            code=template.code, version=template.version, title="x", opening="x", points="x", closing="x"
        )
    )


def test_employee_identifier_rules_in_database():
    agency = factories.agency()
    raises_integrity(lambda: Employee.objects.create(agency=agency, name="PNS tanpa NIP", employment_type="PNS"))
    raises_integrity(lambda: Employee.objects.create(agency=agency, name="NIP pendek", nip="123"))
    raises_integrity(lambda: Employee.objects.create(agency=agency, name="Honorer", employment_type="NON_ASN"))
    employee = factories.employee(agency)
    raises_integrity(lambda: factories.employee(agency, nip=employee.nip))


def test_operator_needs_an_agency():
    user = factories.user()
    raises_integrity(lambda: StaffProfile.objects.create(user=user, role=StaffProfile.Role.OPERATOR))


def test_signing_window_must_be_ordered():
    agency = factories.agency()
    now = timezone.now()
    raises_integrity(lambda: factories.ceremony(agency, signing_opens_at=now, signing_closes_at=now))
