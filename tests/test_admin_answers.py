"""The Django admin answers every save and delete with a page, never a 500: a frozen
pact version says it is frozen, an agency is deleted or refused with the reason,
and text or dates that would mislead or break pages are refused field by field."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from pledges.models import PactTemplate
from roster.models import Agency

pytestmark = pytest.mark.django_db

AGENCY = {
    "name": "Pemerintah Kota Salah Ketik",
    "short_name": "Pemkot Salah Ketik",
    "kind": "city",
    "place_name": "Salah Ketik",
    "time_zone": "Asia/Jakarta",
    "letterhead_lines": "",
    "certificate_path": "",
    "certificate_password_env": "",
    "seal_service": "certificate",
    "bsre_subscriber": "",
    "units-TOTAL_FORMS": "0",
    "units-INITIAL_FORMS": "0",
}


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def test_saving_a_frozen_pact_version_says_so(admin_client, world, sign):
    sign(world.invitations_a[0])
    pact = world.ceremony_a.pact_template
    url = reverse("admin:pledges_pacttemplate_change", args=[pact.pk])
    response = admin_client.post(url, {"title": "Diubah diam-diam"})
    assert response.status_code == 200
    assert "sudah dipakai untuk tanda tangan dan dibekukan; tidak ada yang disimpan" in response.content.decode()
    pact.refresh_from_db()
    assert pact.title != "Diubah diam-diam"
    assert not AuditEvent.objects.filter(object_type="pacttemplate").exists()


def test_an_agency_created_in_the_admin_can_be_deleted(admin_client, world):
    response = admin_client.post(reverse("admin:roster_agency_add"), AGENCY)
    assert response.status_code == 302, response.content.decode()[:3000]
    agency = Agency.objects.get(short_name="Pemkot Salah Ketik")
    response = admin_client.post(reverse("admin:roster_agency_delete", args=[agency.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Agency.objects.filter(pk=agency.pk).exists()
    # Both changes are in the trail, by type and id, tied to no agency (it is gone).
    events = AuditEvent.objects.filter(object_type="agency", object_id=str(agency.pk)).order_by("pk")
    assert [event.action for event in events] == [AuditEvent.Action.CREATE, AuditEvent.Action.DELETE]
    assert all(event.agency_id is None for event in events)
    assert "Pemkot Salah Ketik" in events[1].description


def test_deleting_an_agency_in_use_is_refused_with_the_reason(admin_client, world):
    url = reverse("admin:roster_agency_delete", args=[world.agency_a.pk])
    page = admin_client.get(url).content.decode()
    assert "Tidak dapat menghapus instansi" in page and "objek terlindungi" in page
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Agency.objects.filter(pk=world.agency_a.pk).exists()
    response = admin_client.post(
        reverse("admin:roster_agency_changelist"),
        {"action": "delete_selected", "_selected_action": [world.agency_a.pk], "post": "yes"},
    )
    assert response.status_code == 200 and Agency.objects.filter(pk=world.agency_a.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Pemerintah Kota \u202eatreS\u202c", "karakter tersembunyi (U+202E, U+202C)"),
        ("place_name", "Bukit\x00tinggi", "Null characters are not allowed"),
        ("letterhead_lines", "PEMERINTAH KOTA\n\u200bSEKRETARIAT", "karakter tersembunyi (U+200B)"),
    ],
)
def test_hidden_characters_are_refused_by_field(admin_client, field, value, message):
    response = admin_client.post(reverse("admin:roster_agency_add"), {**AGENCY, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page or "Karakter null tidak diizinkan" in page
    assert not Agency.objects.filter(short_name="Pemkot Salah Ketik").exists()


def test_an_apel_dated_year_one_is_refused_in_the_admin(admin_client, world):
    ceremony = world.ceremony_a
    data = {
        "agency": ceremony.agency_id,
        "election": ceremony.election_id,
        "pact_template": ceremony.pact_template_id,
        "title": ceremony.title,
        "starts_at_0": "0001-01-01",
        "starts_at_1": "00:00:00",
        "place": ceremony.place,
        "leader": ceremony.leader,
        "status": "open",
    }
    response = admin_client.post(reverse("admin:ceremonies_ceremony_change", args=[ceremony.pk]), data)
    assert response.status_code == 200
    assert "Tanggal harus antara 1 Januari 2000 dan 31 Desember 2099" in response.content.decode()
    assert admin_client.get(reverse("admin:ceremonies_ceremony_changelist")).status_code == 200


def test_an_operator_without_an_agency_gets_a_sentence_not_a_constraint_name(admin_client, world):
    response = admin_client.post(
        reverse("admin:roster_staffprofile_add"), {"user": world.nobody.pk, "role": "operator", "agency": ""}
    )
    page = response.content.decode()
    assert "Operator harus punya instansi." in page and "operator_has_agency" not in page


def test_pact_text_with_a_direction_override_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:pledges_pacttemplate_add"),
        {
            "code": "netralitas-uji",
            "version": "1",
            "title": "PAKTA INTEGRITAS",
            "intro": "Saya yang bertanda tangan di bawah ini:",
            "opening": "Dengan ini menyatakan:",
            "points": "Menolak politik uang \u202e.tidak\u202c",
            "closing": "Demikian.",
        },
    )
    assert response.status_code == 200 and "karakter tersembunyi" in response.content.decode()
    assert not PactTemplate.objects.filter(code="netralitas-uji").exists()
