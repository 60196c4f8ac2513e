"""Signing does not open for an agency that cannot seal pacts: by hand, by a
scheduled window, or by saving a window — and the operator and the admin see why."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ceremonies.models import Ceremony
from pledges.pdf import certificates
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def unready(world):
    """Agency A's certificate is gone (B's is there); its apel is scheduled, not open."""
    world.certify()
    certificates.certificate_path(world.agency_a).unlink()
    Ceremony.objects.filter(pk=world.ceremony_a.pk).update(status=Ceremony.Status.SCHEDULED)
    world.ceremony_a.refresh_from_db()
    return world


def test_operator_cannot_open_signing_and_sees_why(client, unready):
    client.force_login(unready.operator_a)
    url = reverse("ceremonies:set_status", args=[unready.ceremony_a.pk, "open"])
    response = client.post(url, follow=True)
    html = response.content.decode()
    assert "Penandatanganan tidak dapat dibuka: Sertifikat segel instansi belum diatur." in html
    # Production: the agency's PKCS#12 fields, never a development certificate.
    assert "berkas sertifikat (PKCS#12)" in html and "create_dev_certificate" not in html
    assert "Sertifikat segel PDF instansi tidak dapat dipakai" in html  # the page's banner
    unready.ceremony_a.refresh_from_db()
    assert unready.ceremony_a.status == Ceremony.Status.SCHEDULED
    assert unready.ceremony_a.signing_state() == Ceremony.SigningState.NOT_YET_OPEN

    english = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Signing cannot be opened" in english

    certificates.create_dev_certificate(unready.agency_a)
    client.post(url)
    unready.ceremony_a.refresh_from_db()
    assert unready.ceremony_a.signing_state() == Ceremony.SigningState.OPEN


def test_a_window_does_not_open_by_time_without_a_certificate(client, unready):
    Ceremony.objects.filter(pk=unready.ceremony_a.pk).update(
        signing_opens_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    invitation = unready.invitations_a[0]
    page = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    assert "signature-pad" not in page  # the closed page, not the signing form
    certificates.create_dev_certificate(unready.agency_a)
    page = client.get(reverse("pledges:sign", args=[invitation.token])).content.decode()
    assert "signature-pad" in page


def test_a_window_cannot_be_scheduled_without_a_certificate(client, unready):
    client.force_login(unready.operator_a)
    data = {
        "title": "Apel",
        "election": unready.ceremony_a.election_id,
        "pact_template": unready.ceremony_a.pact_template_id,
        "starts_at": "2030-09-26T08:00",
        "place": "Balai Kota",
        "leader": "Sekda",
        "signing_opens_at": "2030-09-26T08:30",
        "signing_closes_at": "2030-09-26T12:00",
    }
    response = client.post(reverse("ceremonies:edit", args=[unready.ceremony_a.pk]), data)
    assert response.status_code == 200
    assert "Penandatanganan tidak dapat dijadwalkan dibuka: Sertifikat segel instansi belum diatur." in (
        response.content.decode()
    )
    certificates.create_dev_certificate(unready.agency_a)
    response = client.post(reverse("ceremonies:edit", args=[unready.ceremony_a.pk]), data)
    assert response.status_code == 302


def test_admin_lists_each_agencys_certificate(client, unready):
    client.force_login(unready.admin)
    html = client.get(reverse("admin:roster_agency_changelist")).content.decode()
    assert "Sertifikat segel instansi belum diatur." in html  # agency A
    assert "variabel lingkungan kata sandi sertifikat" in html and "create_dev_certificate" not in html
    expires = certificates.certificate_status(unready.agency_b).expires_at
    assert "Siap: sertifikat segel berlaku sampai" in html  # agency B
    assert str(expires.year) in html


# -- the readiness panel of a new apel ------------------------------------------


def _panel(html, item):
    start = html.rindex("<li", 0, html.index(f'id="ready-{item}"'))
    return html[start : html.index("</li>", start)]


def test_a_new_apel_says_what_is_missing_and_signing_does_not_open(client, world, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    world.certify()
    new = factories.ceremony(world.agency_a, title="Apel baru", status=Ceremony.Status.SCHEDULED)
    client.force_login(world.operator_a)
    html = client.get(new.get_absolute_url()).content.decode()

    invitations = _panel(html, "invitations")
    assert "is-missing" in invitations and "belum ada pegawai yang diundang" in invitations
    assert f'href="{reverse("ceremonies:invite", args=[new.pk])}">Undang unit atau pegawai' in invitations
    assert "dibuka dan ditutup dengan tombol" in _panel(html, "window")
    assert "is-ok" in _panel(html, "certificate") and "Siap: sertifikat segel berlaku sampai" in html
    address = _panel(html, "address")
    assert "is-warning" in address and "http://127.0.0.1:8000/" in address and "make run HOST=0.0.0.0" in address
    assert "Buka penandatanganan" not in html
    assert "Penandatanganan dapat dibuka setelah" in html

    # The server refuses too, and says why.
    response = client.post(reverse("ceremonies:set_status", args=[new.pk, "open"]), follow=True)
    assert "Penandatanganan tidak dapat dibuka: Belum ada pegawai yang diundang" in response.content.decode()
    new.refresh_from_db()
    assert new.status == Ceremony.Status.SCHEDULED

    # Invited, with a LAN address: ready, and the button is offered.
    new.invite(world.agency_a.employees.all())
    settings.PUBLIC_BASE_URL = "http://192.168.1.20:8000"
    html = client.get(new.get_absolute_url()).content.decode()
    assert "is-ok" in _panel(html, "invitations") and "4 pegawai diundang." in _panel(html, "invitations")
    assert "is-ok" in _panel(html, "address") and "http://192.168.1.20:8000/" in html
    assert "make run HOST=0.0.0.0" not in html
    assert "Buka penandatanganan" in html
    client.post(reverse("ceremonies:set_status", args=[new.pk, "open"]))
    new.refresh_from_db()
    assert new.signing_state() == Ceremony.SigningState.OPEN


def test_the_window_is_described_in_the_agencys_zone(client, world):
    world.certify()
    opens = datetime.datetime(2030, 9, 26, 1, 30, tzinfo=datetime.UTC)  # 08.30 WIB
    Ceremony.objects.filter(pk=world.ceremony_a.pk).update(
        status=Ceremony.Status.SCHEDULED,
        starts_at=opens,
        signing_opens_at=opens,
        signing_closes_at=opens + datetime.timedelta(hours=4),
    )
    client.force_login(world.operator_a)
    window = _panel(client.get(world.ceremony_a.get_absolute_url()).content.decode(), "window")
    assert "dibuka otomatis 26 September 2030 08.30 WIB, ditutup otomatis 26 September 2030 12.30 WIB" in window

    Ceremony.objects.filter(pk=world.ceremony_a.pk).update(
        starts_at=opens.replace(year=2024),
        signing_opens_at=opens.replace(year=2024),
        signing_closes_at=opens.replace(year=2024) + datetime.timedelta(hours=4),
    )
    window = _panel(client.get(world.ceremony_a.get_absolute_url()).content.decode(), "window")
    assert "is-warning" in window and "berakhir 26 September 2024 12.30 WIB" in window


def test_closing_asks_first(client, world):
    world.certify()
    Ceremony.objects.filter(pk=world.ceremony_a.pk).update(status=Ceremony.Status.OPEN)
    client.force_login(world.operator_a)
    html = client.get(world.ceremony_a.get_absolute_url()).content.decode()
    confirm_url = reverse("ceremonies:close_confirm", args=[world.ceremony_a.pk])
    assert f'href="{confirm_url}">Tutup penandatanganan</a>' in html  # a link to a question, not a POST

    page = client.get(confirm_url).content.decode()
    assert "Tutup penandatanganan?" in page
    assert "<strong>0</strong> dari 4 sudah menandatangani." in page
    assert "4 pegawai yang belum menandatangani tidak dapat menandatangani lagi" in page
    assert f'href="{world.ceremony_a.get_absolute_url()}">Batal' in page
    world.ceremony_a.refresh_from_db()
    assert world.ceremony_a.status == Ceremony.Status.OPEN  # asking changed nothing

    close = reverse("ceremonies:set_status", args=[world.ceremony_a.pk, "closed"])
    assert f'action="{close}"' in page
    client.post(close)
    world.ceremony_a.refresh_from_db()
    assert world.ceremony_a.signing_state() == Ceremony.SigningState.CLOSED
