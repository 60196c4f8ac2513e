"""``netralitas.lib.django_pinned``: the signing lookup's SQL built once per process.

It leans on Django's insides, so this file fails *by name* when they change, checks
that it answers exactly what the ORM answers, and that any failure falls back to the
ORM (logged once per process)."""

import inspect
import logging

import django
import pytest
from django.db import DatabaseError, connection
from django.db.models import Expression, Field, Model

from ceremonies.models import Invitation
from netralitas.lib import django_pinned
from netralitas.lib.django_pinned import OneRow
from tests import factories

pytestmark = pytest.mark.django_db

RELATED = ["ceremony__agency", "ceremony__election", "ceremony__pact_template", "employee", "unit"]
UPGRADE = (
    "Django changed: re-verify netralitas/lib/django_pinned.py (OneRow) against the new release — "
    "its SQL, Field.get_col, the converters and Model.from_db — then update VERIFIED_WITH and this test."
)


def test_django_is_the_release_the_signing_lookup_was_verified_with():
    assert f"{django.VERSION[0]}.{django.VERSION[1]}" == django_pinned.VERIFIED_WITH["django"], UPGRADE


@pytest.mark.parametrize(
    ("function", "parameters"),
    [
        (Field.get_col, ["self", "alias", "output_field"]),
        (Expression.get_db_converters, ["self", "connection"]),
        (type(connection.ops).get_db_converters, ["self", "expression"]),
        (Model.from_db.__func__, ["cls", "db", "field_names", "values"]),
    ],
    ids=["Field.get_col", "Expression.get_db_converters", "DatabaseOperations.get_db_converters", "Model.from_db"],
)
def test_the_django_internals_the_signing_lookup_calls_are_unchanged(function, parameters):
    assert list(inspect.signature(function).parameters) == parameters, UPGRADE


def test_a_converter_is_called_as_value_expression_connection():
    """The converters the backend hands out take (value, expression, connection)."""
    field = Invitation._meta.get_field("created_at")
    col = field.get_col("t0")
    for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
        assert list(inspect.signature(convert).parameters)[-3:] == ["value", "expression", "connection"], UPGRADE


def fields_of(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def same_objects(pinned, plain):
    assert type(pinned) is type(plain)
    assert fields_of(pinned) == fields_of(plain)
    for path in RELATED:
        a, b = pinned, plain
        for name in path.split("__"):
            a, b = getattr(a, name), getattr(b, name)
            if a is None or b is None:
                assert a is b is None
                break
            assert fields_of(a) == fields_of(b), path


@pytest.fixture
def lookup():
    return OneRow(Invitation, "token", RELATED)


def test_it_answers_what_the_orm_answers(lookup, invitation, ceremony, django_assert_num_queries):
    without_unit = Invitation.objects.create(ceremony=ceremony, employee=factories.employee(ceremony.agency))
    for token in (invitation.token, without_unit.token):
        with django_assert_num_queries(1):
            pinned = lookup.get(token)
        with django_assert_num_queries(0):  # everything came with the one query
            names = [pinned.ceremony.agency.name, pinned.ceremony.election.name, pinned.ceremony.pact_template.title]
            names += [pinned.employee.name, pinned.unit]
        assert all(names[:4])
        same_objects(pinned, lookup.plain(token))
    assert lookup.get(invitation.token).unit.name == "Sekretariat Daerah"
    assert lookup.get(without_unit.token).unit is None
    assert lookup.get("tidak-ada") is None and lookup.plain("tidak-ada") is None


def test_any_failure_takes_the_orm_path_logged_once(lookup, invitation, monkeypatch, caplog):
    def changed(self, connection):  # as when a Django release renames what _build calls
        raise AttributeError("'ForeignKey' object has no attribute 'get_col'")

    monkeypatch.setattr(OneRow, "_build", changed)
    with caplog.at_level(logging.WARNING, logger="netralitas.lib.django_pinned"):
        first, second = lookup.get(invitation.token), lookup.get(invitation.token)
    same_objects(first, lookup.plain(invitation.token))
    same_objects(second, first)
    assert len(caplog.records) == 1 and "plain ORM path" in caplog.records[0].getMessage()
    monkeypatch.undo()
    # Turned off for the rest of the process: Django is not what it was verified with.
    calls = []
    monkeypatch.setattr(OneRow, "_read", lambda *args: calls.append(args))
    assert lookup.get(invitation.token).pk == invitation.pk and calls == []


def test_a_database_error_takes_the_orm_path_once_and_keeps_the_shortcut(lookup, invitation, monkeypatch):
    lookup.get(invitation.token)  # built
    real = OneRow._read
    failures = iter([DatabaseError("connection reset")])

    def flaky(self, *args):
        error = next(failures, None)
        if error:
            raise error
        return real(self, *args)

    monkeypatch.setattr(OneRow, "_read", flaky)
    assert lookup.get(invitation.token).pk == invitation.pk  # the ORM answered this one
    assert lookup.get(invitation.token).pk == invitation.pk  # and the shortcut the next
    assert lookup._built  # still on


def test_shortcuts_off_takes_the_orm_path(lookup, invitation, settings, monkeypatch):
    settings.SHORTCUTS_AROUND_LIBRARIES = False
    monkeypatch.setattr(OneRow, "_read", lambda *args: pytest.fail("the shortcut ran"))
    same_objects(lookup.get(invitation.token), lookup.plain(invitation.token))
