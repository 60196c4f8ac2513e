"""Webhooks delivered to a real receiver process on loopback (tests/webhook_receiver.py,
which checks every signature with its own code): what is sent, to whom, signed how,
tried again with the same id, given up, paused, and what it costs the signing."""

import datetime
import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from ceremonies.models import Ceremony
from pledges.documents import pact_document_create
from webhooks import delivery
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db


def delivered_bodies(receiver, path="/hook"):
    return [item for item in receiver.received(path) if item["status"] == 200]


def test_a_signature_is_delivered_signed_thin_and_with_the_api_address(world, sign, receiver, endpoint_for, settings):
    endpoint = endpoint_for(world.agency_a)
    invitation = world.invitations_a[0]
    signature = sign(invitation)
    (event,) = Event.objects.all()
    assert event.type == "signature.created" and event.agency_id == world.agency_a.pk
    totals = delivery.run(budget=10)
    assert totals == {"delivered": 1, "retry": 0, "failed": 0}
    (item,) = receiver.received("/hook")
    assert item["valid"] and item["status"] == 200 and item["id"] == event.message_id
    body = item["body"]
    assert body["type"] == "signature.created"
    assert body["data"]["signature"] == signature.pk and body["data"]["ceremony"] == world.ceremony_a.pk
    assert body["data"]["agency"] == world.agency_a.pk and body["data"]["method"] == "link"
    assert body["data"]["links"]["signature"] == f"{settings.PUBLIC_BASE_URL}/api/v1/signatures/{signature.pk}/"
    assert body["data"]["links"]["ceremony"] == f"{settings.PUBLIC_BASE_URL}/api/v1/ceremonies/{world.ceremony_a.pk}/"
    # Thin: ids and facts, none of the signer's personal data.
    employee = invitation.employee
    text = json.dumps(body)
    for personal in (employee.name, employee.nip, signature.verification_code, invitation.token):
        assert personal and str(personal) not in text
    assert set(body["data"]) == {"agency", "ceremony", "invitation", "signature", "signed_at", "method", "links"}
    row = Delivery.objects.get(endpoint=endpoint)
    assert row.status == Delivery.Status.DELIVERED and row.attempts == 1 and row.response_code == 200
    assert row.tries.get().duration_ms is not None


def test_an_agency_without_endpoints_signs_without_any_outbox_row(world, sign, receiver, endpoint_for):
    endpoint_for(world.agency_b)  # another agency's endpoint: agency A still has none
    sign(world.invitations_a[1])  # the subscriptions are read once, then kept a few seconds
    with CaptureQueriesContext(connection) as queries:
        sign(world.invitations_a[0])
    assert not Event.objects.exists()
    assert not any("webhooks_" in query["sql"] for query in queries.captured_queries)


def test_with_an_endpoint_the_signing_costs_one_insert_more_or_none(world, sign, endpoint_for, database_tasks):
    endpoint_for(world.agency_a)
    sign(world.invitations_a[1])  # the subscriptions are read once, then kept
    with CaptureQueriesContext(connection) as queries:
        signature = sign(world.invitations_a[0])
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "WITH"))
    ]
    ours = [sql for sql in writes if "webhooks_event" in sql]
    assert len(ours) == 1
    if database_tasks and connection.vendor == "postgresql":
        # The outbox row rides in the signing's one statement (netralitas.lib.tasks_db_pinned).
        assert writes == ours and ours[0].startswith('WITH "new" AS (INSERT INTO "pledges_signature"')
    else:
        assert len(writes) == 3 and ours[0].lstrip().upper().startswith("INSERT")
    event = Event.objects.get(data__signature=signature.pk)
    assert event.data["invitation"] == world.invitations_a[0].pk and event.type == "signature.created"


def test_another_agencys_endpoint_never_receives(world, sign, receiver, endpoint_for):
    endpoint_for(world.agency_a, "/a")
    endpoint_for(world.agency_b, "/b")
    sign(world.invitations_a[0])
    sign(world.invitations_a[1])
    delivery.run(budget=10)
    assert len(delivered_bodies(receiver, "/a")) == 2
    assert receiver.received("/b") == []
    sign(world.invitations_b[0])
    delivery.run(budget=10)
    (item,) = receiver.received("/b")
    assert item["body"]["data"]["agency"] == world.agency_b.pk and item["valid"]


def test_only_the_subscribed_events_go_out(world, sign, receiver, endpoint_for):
    endpoint_for(world.agency_a, events=["ceremony.closed"])
    sign(world.invitations_a[0])
    delivery.run(budget=10)
    assert Event.objects.count() == 0 and receiver.received() == []


def test_a_failed_delivery_is_tried_again_with_the_same_id_after_the_delay(
    world, sign, receiver, endpoint_for, settings
):
    settings.WEBHOOK_RETRY_DELAYS = [1, 2]
    endpoint = endpoint_for(world.agency_a, status=500)
    sign(world.invitations_a[0])
    delivery.run(budget=10)
    row = Delivery.objects.get(endpoint=endpoint)
    assert row.status == Delivery.Status.PENDING and row.attempts == 1 and row.response_code == 500
    assert row.next_attempt_at - row.last_attempt_at >= datetime.timedelta(seconds=1)
    assert delivery.run(budget=10)["delivered"] == 0  # not due yet: nothing is sent
    assert len(receiver.received()) == 1
    receiver.configure("/hook", status=200)
    time.sleep(1.2)
    assert delivery.run(budget=10)["delivered"] == 1
    first, second = receiver.received()
    assert first["id"] == second["id"] and first["status"] == 500 and second["status"] == 200
    assert second["body"] == first["body"] and second["valid"]
    assert second["at"] - first["at"] >= 1


def test_the_backoff_grows_then_the_delivery_fails_and_the_endpoint_pauses(
    world, sign, receiver, endpoint_for, settings, client
):
    settings.WEBHOOK_RETRY_DELAYS = [1, 2]
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 1
    endpoint = endpoint_for(world.agency_a, status=503)
    sign(world.invitations_a[0])
    deadline = time.monotonic() + 20
    while not Delivery.objects.filter(status=Delivery.Status.FAILED).exists():
        assert time.monotonic() < deadline
        delivery.run(budget=5)
        time.sleep(0.2)
    tries = receiver.received()
    assert [item["status"] for item in tries] == [503, 503, 503]
    assert len({item["id"] for item in tries}) == 1
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(tries, tries[1:], strict=False)]
    assert 1 <= gaps[0] < 2 <= gaps[1], gaps
    row = Delivery.objects.get(endpoint=endpoint)
    assert row.status == Delivery.Status.FAILED and row.attempts == 3 and row.next_attempt_at is None
    endpoint.refresh_from_db()
    assert endpoint.paused_at is not None and "gagal" in endpoint.paused_reason
    trail = AuditEvent.objects.get(object_type="endpoint", object_id=str(endpoint.pk))
    assert trail.agency_id == world.agency_a.pk and "dijeda" in trail.description
    assert endpoint.url not in trail.description and endpoint.secret not in trail.description
    # The operator is told on their home page.
    client.force_login(world.operator_a)
    page = client.get(reverse("ceremonies:index")).content.decode()
    assert "dijeda" in page and "127.0.0.1" in page
    client.force_login(world.operator_b)
    assert "dijeda" not in client.get(reverse("ceremonies:index")).content.decode()

    # While paused nothing is sent; what happens meanwhile waits.
    receiver.configure("/hook", status=200)
    sign(world.invitations_a[1])
    delivery.run(budget=5)
    assert len(receiver.received()) == 3
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 1

    # The admin resumes it: the waiting one goes; the failed one is sent again on request.
    client.force_login(world.admin)
    changelist = reverse("admin:webhooks_endpoint_changelist")
    response = client.post(changelist, {"action": "resume", "_selected_action": [endpoint.pk]})
    assert response.status_code == 302
    delivery.run(budget=5)
    assert len(delivered_bodies(receiver)) == 1
    response = client.post(
        reverse("admin:webhooks_delivery_changelist"), {"action": "send_again", "_selected_action": [row.pk]}
    )
    assert response.status_code == 302
    delivery.run(budget=5)
    again = delivered_bodies(receiver)[-1]
    assert again["id"] == tries[0]["id"] and again["valid"]
    row.refresh_from_db()
    assert row.status == Delivery.Status.DELIVERED and row.tries.count() == 4
    endpoint.refresh_from_db()
    assert endpoint.paused_at is None and endpoint.final_failures == 0


def test_a_slow_receiver_times_out_and_is_tried_again(world, sign, receiver, endpoint_for, settings):
    settings.WEBHOOK_TIMEOUT = 1
    endpoint = endpoint_for(world.agency_a, delay=2)
    sign(world.invitations_a[0])
    started = time.monotonic()
    delivery.run(budget=10)
    assert time.monotonic() - started < 5
    row = Delivery.objects.get(endpoint=endpoint)
    assert row.status == Delivery.Status.PENDING and row.error == "waktu tunggu habis" and row.response_code is None


def test_an_unreachable_endpoint_is_a_failed_try_not_a_dead_worker(world, sign, endpoint_for, receiver):
    endpoint = endpoint_for(world.agency_a)
    receiver.stop()
    sign(world.invitations_a[0])
    assert delivery.run(budget=10) == {"delivered": 0, "retry": 1, "failed": 0}
    assert Delivery.objects.get(endpoint=endpoint).error == "tidak dapat terhubung"


def test_a_paused_or_switched_off_endpoint_is_not_tried(world, sign, receiver, endpoint_for):
    endpoint = endpoint_for(world.agency_a)
    Endpoint.objects.filter(pk=endpoint.pk).update(active=False)
    sign(world.invitations_a[0])
    delivery.run(budget=5)
    assert receiver.received() == [] and not Event.objects.exists()


def test_sealed_opened_and_closed_are_announced(world, sign, receiver, endpoint_for, client, settings):
    world.certify()
    endpoint_for(world.agency_a, events=["document.sealed", "ceremony.opened", "ceremony.closed"])
    signature = sign(world.invitations_a[0])
    document = pact_document_create(signature.pk)
    client.force_login(world.operator_a)
    ceremony = world.ceremony_a
    client.post(reverse("ceremonies:set_status", args=[ceremony.pk, Ceremony.Status.CLOSED]))
    client.post(reverse("ceremonies:set_status", args=[ceremony.pk, Ceremony.Status.OPEN]))
    delivery.run(budget=10)
    bodies = {item["body"]["type"]: item["body"]["data"] for item in receiver.received()}
    assert set(bodies) == {"document.sealed", "ceremony.closed", "ceremony.opened"}
    sealed = bodies["document.sealed"]
    assert sealed["sha256"] == document.sha256 and sealed["signature"] == signature.pk
    assert sealed["links"]["pdf"] == f"{settings.PUBLIC_BASE_URL}/api/v1/signatures/{signature.pk}/pdf/"
    closed = bodies["ceremony.closed"]
    assert closed["status"] == "closed" and closed["ceremony"] == ceremony.pk
    assert closed["links"]["invitations"] == f"{settings.PUBLIC_BASE_URL}/api/v1/invitations/?ceremony={ceremony.pk}"


def test_cleanup_deletes_old_events_with_nothing_left_to_try(world, sign, receiver, endpoint_for, settings):
    from django.core.management import call_command

    endpoint_for(world.agency_a)
    sign(world.invitations_a[0])
    delivery.run(budget=5)
    settings.WEBHOOK_RETRY_DELAYS = [60]
    receiver.configure("/hook", status=500)
    sign(world.invitations_a[1])
    delivery.run(budget=5)
    Event.objects.update(occurred_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    call_command("cleanup_webhooks")
    (left,) = Event.objects.all()  # the one still waiting for its next try stays
    assert left.deliveries.get().status == Delivery.Status.PENDING


def test_an_endpoint_that_reached_nobody_for_hours_is_paused(world, sign, receiver, endpoint_for, settings):
    settings.WEBHOOK_PAUSE_AFTER_HOURS = 2
    endpoint = endpoint_for(world.agency_a, status=500)
    sign(world.invitations_a[0])
    delivery.run(budget=5)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.paused_at is None  # failing, not for long yet
    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=endpoint.failing_since - datetime.timedelta(hours=3))
    Delivery.objects.update(next_attempt_at=endpoint.failing_since)  # its next try is due
    delivery.run(budget=5)
    endpoint.refresh_from_db()
    assert endpoint.paused_at is not None and "2 jam" in endpoint.paused_reason
    assert Delivery.objects.get().status == Delivery.Status.PENDING  # kept for when it is resumed
