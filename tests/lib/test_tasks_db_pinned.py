"""``netralitas.lib.tasks_db_pinned``: a row and its task in one PostgreSQL statement.

It writes the task row as django-tasks-db's private code does, so this file fails *by
name* when that code changes, and checks that any failure falls back to the public path
(``save()`` + ``enqueue()`` in one transaction), logged once per process. That both
paths store the same rows is ``tests/pledges/test_signing_store.py``."""

import hashlib
import inspect
import logging
from importlib.metadata import version

import pytest
from django.db import IntegrityError, connection
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from netralitas.lib import tasks_db_pinned
from netralitas.lib.tasks_db_pinned import InsertAndEnqueue
from pledges import pact_text
from pledges.models import Signature
from pledges.tasks import render_signature_pdf
from tests import factories

pytestmark = pytest.mark.django_db

UPGRADE = (
    "django-tasks or django-tasks-db changed: re-verify netralitas/lib/tasks_db_pinned.py (InsertAndEnqueue) — "
    "the task row it writes must be what DatabaseBackend._task_to_db_task writes — then update VERIFIED_WITH and "
    "this test."
)
# What the statement copies: DatabaseBackend._task_to_db_task, as of the verified release.
TASK_TO_DB_TASK_SHA256 = "a034f33da43a1a39f2d3e65841605292ed50b0b2003cd208dabe3ef168529e56"


@pytest.mark.parametrize("package", ["django-tasks", "django-tasks-db"])
def test_the_task_libraries_are_the_releases_the_statement_was_verified_with(package):
    major_minor = ".".join(version(package).split(".")[:2])
    assert major_minor == tasks_db_pinned.VERIFIED_WITH[package], UPGRADE


def test_the_task_row_is_still_built_as_the_statement_builds_it():
    source = inspect.getsource(DatabaseBackend._task_to_db_task)
    assert hashlib.sha256(source.encode()).hexdigest() == TASK_TO_DB_TASK_SHA256, UPGRADE
    assert list(inspect.signature(DatabaseBackend._get_id).parameters) == ["self"], UPGRADE
    assert [field.name for field in DBTaskResult._meta.concrete_fields] == [
        "id",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "args_kwargs",
        "priority",
        "task_path",
        "worker_ids",
        "queue_name",
        "backend_name",
        "run_after",
        "return_value",
        "exception_class_path",
        "traceback",
    ], UPGRADE


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "jobs"]}}


def new_signature(invitation):
    return Signature.from_draft(
        invitation, pact_text.draft(invitation), image_png=factories.signature_png(), method="link", signed_at=None
    )


@pytest.fixture
def unsaved(invitation):
    from django.utils import timezone

    signature = new_signature(invitation)
    signature.signed_at = timezone.now()
    return signature


def test_any_failure_takes_the_public_path_logged_once(invitation, unsaved, database_tasks, monkeypatch, caplog):
    store = InsertAndEnqueue(Signature, render_signature_pdf)

    def changed(self, instance):
        raise AttributeError("'DatabaseBackend' object has no attribute '_get_id'")

    monkeypatch.setattr(tasks_db_pinned._Statement, "execute", changed)
    second = new_signature(factories.another_invitation(invitation))
    second.signed_at = unsaved.signed_at
    with caplog.at_level(logging.WARNING, logger="netralitas.lib.tasks_db_pinned"):
        store.save(unsaved)
        store.save(second)
    for signature in (unsaved, second):
        assert Signature.objects.filter(pk=signature.pk).exists()
        assert DBTaskResult.objects.filter(args_kwargs={"args": [signature.pk], "kwargs": {}}).count() == 1
    # Only PostgreSQL has the statement to fail; elsewhere the public path is the only one.
    shortcut = connection.vendor == "postgresql"
    assert [record.getMessage().count("plain path") for record in caplog.records] == ([1] if shortcut else [])
    assert set(store._built.values()) == {None}  # off (or never on) for the rest of the process


def test_a_refused_row_is_refused_not_retried(unsaved, database_tasks):
    store = InsertAndEnqueue(Signature, render_signature_pdf)
    store.save(unsaved)
    again = new_signature(unsaved.invitation)
    again.signed_at = unsaved.signed_at
    with pytest.raises(IntegrityError):
        store.save(again)
    assert DBTaskResult.objects.count() == 1


@pytest.mark.parametrize("shortcut", [True, False], ids=["one statement", "plain path"])
def test_a_companion_row_is_stored_with_the_new_id_as_the_plain_path_stores_it(
    invitation, database_tasks, settings, shortcut
):
    """The webhooks' outbox row riding along: stored once, the new signature's id put
    under its key, its own fields as ``save()`` prepares them — by either path."""
    from django.utils import timezone

    from webhooks.models import Event

    settings.SHORTCUTS_AROUND_LIBRARIES = shortcut
    store = InsertAndEnqueue(Signature, render_signature_pdf)
    signature = new_signature(invitation)
    signature.signed_at = timezone.now()
    agency_id = invitation.ceremony.agency_id
    row = Event(agency_id=agency_id, type="signature.created", occurred_at=signature.signed_at, data={"method": "link"})
    store.save(signature, companion=row, link=("data", "signature"))
    (stored,) = Event.objects.all()
    assert stored.pk == row.pk and stored.data == {"method": "link", "signature": signature.pk}
    assert (stored.agency_id, stored.type, stored.occurred_at) == (agency_id, "signature.created", signature.signed_at)
    assert stored.message_id and stored.message_id == row.message_id  # the field's default, as save() makes it
    assert DBTaskResult.objects.filter(args_kwargs={"args": [signature.pk], "kwargs": {}}).count() == 1
    # The one statement is built (and used) only on PostgreSQL with the shortcut on.
    built = [statement for statement in store._built.values() if statement is not None]
    assert bool(built) == (shortcut and connection.vendor == "postgresql")
