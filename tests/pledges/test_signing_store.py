"""Signing stores the signature and queues its PDF task together. With the database
task backend on PostgreSQL that is one statement (``netralitas.lib.tasks_db_pinned``),
which must write exactly what ``Model.save()`` and django-tasks-db's own ``enqueue``
write; everywhere else, and with ``SHORTCUTS_AROUND_LIBRARIES=0``, it is those two in
one transaction. Every test here runs both ways."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from ceremonies.models import Invitation
from pledges import pact_text
from pledges.models import PactDocument, Signature
from pledges.services import signature_create
from pledges.signature_image import clean_signature_image
from pledges.tasks import render_signature_pdf
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["shortcut", "plain"])
def database_tasks(request, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "jobs"]}}
    settings.SHORTCUTS_AROUND_LIBRARIES = request.param
    return request.param


@pytest.fixture
def png(signature_data_url):
    return clean_signature_image(signature_data_url)


def another_invitation(invitation, name):
    employee = factories.employee(invitation.ceremony.agency, unit=invitation.unit, name=name)
    return Invitation.objects.create(ceremony=invitation.ceremony, employee=employee, unit=invitation.unit)


def stored(model, pk):
    row = model.objects.get(pk=pk)
    return {field.attname: getattr(row, field.attname) for field in model._meta.concrete_fields}


def test_the_one_statement_is_what_postgresql_signing_uses(invitation, png, database_tasks):
    with CaptureQueriesContext(connection) as queries:
        signature_create(invitation=invitation, shown=factories.shown(invitation), image_png=png, method="link")
    inserts = [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith(("INSERT", "WITH"))]
    one_statement = database_tasks and connection.vendor == "postgresql"
    assert len(inserts) == (1 if one_statement else 2)
    assert inserts[0].startswith('WITH "new" AS (INSERT INTO') == one_statement


def test_signature_and_task_are_stored_as_the_orm_and_enqueue_store_them(invitation, png, database_tasks):
    signature, created = signature_create(
        invitation=invitation,
        shown=factories.shown(invitation),
        image_png=png,
        method="link",
        ip_address="203.0.113.7",
        user_agent="Android 14",
    )
    assert created
    # The reference: the same kind of signature saved by the ORM and queued by django-tasks-db.
    other = another_invitation(invitation, "Siti Aminah, S.Sos.")
    reference = Signature.from_draft(
        other,
        pact_text.draft(other),
        image_png=png,
        method="link",
        signed_at=signature.signed_at,
        ip_address="203.0.113.7",
    )
    reference.save(force_insert=True)
    reference_task = render_signature_pdf.enqueue(reference.pk)

    row = stored(Signature, signature.pk)
    assert row == {field.attname: getattr(signature, field.attname) for field in Signature._meta.concrete_fields}
    assert bytes(row["image"]) == png and row["ip_address"] == "203.0.113.7" and row["user_agent"] == "Android 14"
    assert row["signer"]["name"] == "Budi Santoso, S.E., M.Si."

    (task,) = DBTaskResult.objects.filter(args_kwargs={"args": [signature.pk], "kwargs": {}})
    mine, theirs = stored(DBTaskResult, task.pk), stored(DBTaskResult, reference_task.id)
    for volatile in ("id", "args_kwargs", "enqueued_at"):
        mine.pop(volatile), theirs.pop(volatile)
    assert mine == theirs
    assert task.status == "READY" and task.queue_name == "default"
    assert task.task_path == "pledges.tasks.render_signature_pdf"

    # What a worker does with the row: the task it names, with its arguments.
    result = task.task_result
    result.task.call(*result.args, **result.kwargs)
    assert PactDocument.objects.filter(signature=signature).exists()


def test_a_second_submit_inside_a_transaction_returns_the_first_and_queues_nothing(invitation, png, database_tasks):
    first, created = signature_create(
        invitation=invitation, shown=factories.shown(invitation), image_png=png, method="link"
    )
    again, created_again = signature_create(
        invitation=invitation, shown=factories.shown(invitation), image_png=png, method="apel"
    )
    assert created and not created_again
    assert again.pk == first.pk
    # The unique violation rolled back the whole statement (the task row too), and the
    # surrounding transaction is still usable.
    assert DBTaskResult.objects.count() == 1
    assert Signature.objects.filter(invitation=invitation).count() == 1
