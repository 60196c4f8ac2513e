"""Endpoints and the delivery log in the admin: HTTPS required (loopback only where
the settings allow it), the secret shown once saved and never in the trail, the log's
pages with every try."""

import time

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from webhooks import delivery
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db


def endpoint_data(world, url, **extra):
    return {
        "agency": world.agency_a.pk,
        "url": url,
        "description": "",
        "events": ["signature.created", "ceremony.closed"],
        "active": "on",
        **extra,
    }


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.org/netralitas", "Alamat webhook harus memakai HTTPS."),
        ("ftp://hooks.example.org/netralitas", "Alamat webhook harus memakai HTTPS."),
        ("http://127.0.0.1:9000/hook", "hanya boleh bila WEBHOOK_ALLOW_LOOPBACK=1"),
        ("https://localhost/hook", "hanya boleh bila WEBHOOK_ALLOW_LOOPBACK=1"),
        ("https://user:rahasia@hooks.example.org/", "tidak boleh berisi nama pengguna atau kata sandi"),
    ],
)
def test_an_address_that_is_not_https_is_refused_in_indonesian(admin_client, world, url, message, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    response = admin_client.post(reverse("admin:webhooks_endpoint_add"), endpoint_data(world, url))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Endpoint.objects.exists()


def test_loopback_is_allowed_only_when_the_setting_says_so(admin_client, world, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    response = admin_client.post(
        reverse("admin:webhooks_endpoint_add"), endpoint_data(world, "http://127.0.0.1:9000/hook")
    )
    assert response.status_code == 302
    assert Endpoint.objects.get().url == "http://127.0.0.1:9000/hook"


def test_an_https_endpoint_is_saved_its_secret_shown_and_kept_out_of_the_trail(admin_client, world):
    response = admin_client.post(
        reverse("admin:webhooks_endpoint_add"),
        endpoint_data(world, "https://hooks.example.org/netralitas?kunci=rahasia-penerima", description=""),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["signature.created", "ceremony.closed"] and endpoint.active
    assert endpoint.secret.startswith("whsec_")
    page = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page
    (event,) = AuditEvent.objects.filter(object_type="endpoint")
    assert event.agency_id == world.agency_a.pk
    assert endpoint.secret not in event.description and "rahasia-penerima" not in event.description
    # A new secret on request.
    old = endpoint.secret
    response = admin_client.post(
        reverse("admin:webhooks_endpoint_changelist"), {"action": "rotate_secret", "_selected_action": [endpoint.pk]}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    assert all(endpoint.secret not in text for text in AuditEvent.objects.values_list("description", flat=True))


def test_no_event_chosen_is_refused(admin_client, world):
    data = endpoint_data(world, "https://hooks.example.org/")
    data.pop("events")
    response = admin_client.post(reverse("admin:webhooks_endpoint_add"), data)
    assert response.status_code == 200 and not Endpoint.objects.exists()


def test_the_delivery_log_shows_every_try(admin_client, world, sign, receiver, endpoint_for, settings):
    settings.WEBHOOK_RETRY_DELAYS = [1]
    endpoint = endpoint_for(world.agency_a, status=500)
    sign(world.invitations_a[0])
    delivery.run(budget=5)
    receiver.configure("/hook", status=200)
    time.sleep(1.1)
    delivery.run(budget=5)
    for name in ("admin:webhooks_endpoint_changelist", "admin:webhooks_delivery_changelist"):
        assert admin_client.get(reverse(name)).status_code == 200
    row = endpoint.deliveries.get()
    assert row.status == "delivered" and list(row.tries.values_list("response_code", flat=True)) == [500, 200]
    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[row.pk])).content.decode()
    assert row.event.message_id in page and "HTTP 500" in page and "Terkirim" in page
    assert "signature.created" in page
    assert admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])).status_code == 200


def test_staff_cannot_open_the_webhook_admin(client, world):
    client.force_login(world.operator_a)
    response = client.get(reverse("admin:webhooks_endpoint_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
