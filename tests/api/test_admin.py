"""API tokens in the admin: the token shown once after saving (never stored), one
scope per token, revoked by an action — every step in the trail."""

import re

import pytest
from django.urls import reverse

from api.models import ApiToken, token_hash
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def add(client, **data):
    form = {"name": "Dasbor BKD", "agency": "", "auditor": "", "expires_at_0": "2099-01-01", "expires_at_1": "10:00"}
    return client.post(reverse("admin:api_apitoken_add"), {**form, **data})


def test_made_in_the_admin_and_shown_once(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("admin:api_apitoken_add"))
    assert page.status_code == 200
    response = add(client, agency=world.agency_a.pk)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = re.search(r'value="(ntr_[^"]+)"', response.content.decode())[1]
    token = ApiToken.objects.get()
    assert token.token_sha256 == token_hash(secret) and token.created_by == world.admin
    assert AuditEvent.objects.filter(object_type="apitoken", action=AuditEvent.Action.CREATE).exists()
    change = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert secret not in change and f"ntr_{token.prefix}" in change
    assert client.get(reverse("api:ceremonies"), HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200

    client.post(
        reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    token.refresh_from_db()
    assert token.is_revoked
    assert AuditEvent.objects.filter(object_type="apitoken", description__contains="mencabut token API").exists()
    assert client.get(reverse("api:ceremonies"), HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


@pytest.mark.parametrize("scope", ["none", "both", "past"])
def test_one_scope_and_a_future_expiry(client, world, scope):
    client.force_login(world.admin)
    data = {
        "none": {},
        "both": {"agency": world.agency_a.pk, "auditor": world.auditor_a.staff_profile.pk},
        "past": {"agency": world.agency_a.pk, "expires_at_0": "2001-01-01"},
    }[scope]
    response = add(client, **data)
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert "errornote" in response.content.decode()


def test_an_operator_cannot_be_a_tokens_auditor(client, world):
    client.force_login(world.admin)
    response = add(client, auditor=world.operator_a.staff_profile.pk)
    assert not ApiToken.objects.exists() and response.status_code == 200
