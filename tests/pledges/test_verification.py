"""The public verification page shows what was sealed — the apel's title, the
election, the agency and the signer as they were frozen with the signature — and
says when today's values differ, never passing today's names off as the sealed
ones (and never showing a signer's changed personal data in public)."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from ceremonies.models import Ceremony, Election
from pledges import pact_text
from pledges.models import Signature
from pledges.signature_image import clean_signature_image
from roster.models import Agency, Employee

pytestmark = pytest.mark.django_db


def verification(client, signature, **headers):
    response = client.get(reverse("pledges:verify", args=[signature.verification_code]), **headers)
    assert response.status_code == 200
    return response.content.decode()


def rename_everything(signature):
    """What an operator or admin may edit after signing (the signature itself is guarded)."""
    ceremony = signature.invitation.ceremony
    Ceremony.objects.filter(pk=ceremony.pk).update(title="Apel Gabungan Akhir Tahun")
    Election.objects.filter(pk=ceremony.election_id).update(short_name="Pemilu Ulang 2029")
    Agency.objects.filter(pk=ceremony.agency_id).update(name="Pemerintah Kota Bukittinggi Raya")
    Employee.objects.filter(pk=signature.invitation.employee_id).update(name="Budi Santoso Wijaya, S.E., M.M.")


def test_the_page_shows_the_sealed_values_and_says_what_changed_since(client, signature):
    election = signature.invitation.ceremony.election.short_name
    html = verification(client, signature)
    assert "Apel Ikrar Netralitas ASN" in html and election in html
    assert "diubah setelah penandatanganan" not in html  # nothing changed yet

    rename_everything(signature)
    html = verification(client, signature)
    # As sealed:
    assert "Apel Ikrar Netralitas ASN" in html
    assert "Pemerintah Kota Bukittinggi<" in html
    assert "Budi Santoso, S.E., M.Si." in html and election in html
    # Today's, named as today's:
    assert "Judul apel diubah setelah penandatanganan; sekarang: Apel Gabungan Akhir Tahun" in html
    assert "Nama pemilihan diubah setelah penandatanganan; sekarang: Pemilu Ulang 2029" in html
    assert "Nama instansi diubah setelah penandatanganan; sekarang: Pemerintah Kota Bukittinggi Raya" in html
    # The signer's own data changed too, but a public page does not show today's.
    assert "Data pegawai ini diubah setelah penandatanganan" in html
    assert "Wijaya" not in html
    assert "Asli dan utuh" in html

    english = verification(client, signature, HTTP_ACCEPT_LANGUAGE="en")
    assert "Apel title changed after signing; now: Apel Gabungan Akhir Tahun" in english


def test_the_sealed_apel_is_frozen_with_the_signature(signature):
    signature = Signature.objects.get(pk=signature.pk)
    assert signature.ceremony_snapshot == {
        "title": "Apel Ikrar Netralitas ASN",
        "election": signature.invitation.ceremony.election.short_name,
    }
    with pytest.raises(DatabaseError), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(ceremony_snapshot={"title": "Lain", "election": "Lain"})


def test_a_signature_from_before_says_the_title_was_not_recorded(client, invitation, signature_data_url):
    old = Signature.from_draft(
        invitation,
        pact_text.draft(invitation),
        image_png=clean_signature_image(signature_data_url),
        method=Signature.Method.LINK,
        signed_at=timezone.now(),
    )
    old.ceremony_snapshot = None  # signed before the apel was frozen with signatures
    old.save(force_insert=True)
    rename_everything(old)
    html = verification(client, old)
    assert "Apel Gabungan Akhir Tahun" in html and "Pemilu Ulang 2029" in html
    assert "Judul apel dan nama pemilihan tidak dicatat bersama tanda tangan ini" in html
    assert "yang tertera adalah yang berlaku sekarang" in html
