"""``netralitas.lib.chunks.in_chunks``: every row once, in order, with flat memory —
Django's streamed ``.iterator()`` where server-side cursors may be used, and behind
a transaction pooler (``DISABLE_SERVER_SIDE_CURSORS``, as
``DATABASE_TRANSACTION_POOLING=1`` sets) a query per chunk, never one query for
everything (``tests/test_pgbouncer.py`` runs the app's reads through a real pooler)."""

import pytest
from django.db import connection
from django.db.models import F

from netralitas.lib.chunks import in_chunks
from roster.models import Employee
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def employees():
    agency = factories.agency()
    units = [factories.unit(agency, "Dinas B"), factories.unit(agency, "Dinas A")]
    # Names out of key order, units with and without a name to sort by.
    made = [
        factories.employee(agency, unit=units[n % 2] if n % 3 else None, name=f"Pegawai {(7 * n) % 10}")
        for n in range(10)
    ]
    return Employee.objects.filter(pk__in=[e.pk for e in made])


@pytest.fixture
def pooled(monkeypatch):
    """The connection as settings make it behind a transaction pooler."""
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)


def ordered(employees):
    return employees.order_by(F("unit__name").asc(nulls_last=True), "name", "pk").values_list("unit__name", "name")


@pytest.mark.parametrize("mode", ["cursor", "pooled"])
def test_every_row_once_in_order(request, employees, mode):
    if mode == "pooled":
        request.getfixturevalue("pooled")
    assert list(in_chunks(ordered(employees), 3)) == list(ordered(employees))
    by_pk = [e.pk for e in in_chunks(employees.select_related("unit"), 3, by_pk=True)]
    assert by_pk == sorted(employees.values_list("pk", flat=True))


def test_with_server_side_cursors_it_is_one_streamed_query(employees, django_assert_num_queries, monkeypatch):
    # As the settings make it without a pooler (make test's PostgreSQL pass runs behind one).
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", False)
    with django_assert_num_queries(1):
        assert len(list(in_chunks(ordered(employees), 3))) == 10
    with django_assert_num_queries(1):
        assert len(list(in_chunks(employees, 3, by_pk=True))) == 10


def test_behind_a_pooler_it_is_a_query_per_chunk(pooled, employees, django_assert_num_queries):
    with django_assert_num_queries(1 + 4):  # the keys, then 4 chunks of at most 3 rows
        assert len(list(in_chunks(ordered(employees), 3))) == 10
    with django_assert_num_queries(2 * 4):  # keys and rows for 3 + 3 + 3 + 1, nothing held between
        assert len(list(in_chunks(employees, 3, by_pk=True))) == 10
    with django_assert_num_queries(2 * 2 + 1):  # 5 + 5, then an empty page of keys
        assert len(list(in_chunks(employees, 5, by_pk=True))) == 10
    with django_assert_num_queries(1):
        assert list(in_chunks(Employee.objects.filter(name="Tidak ada").order_by("pk"))) == []
    with django_assert_num_queries(1):
        assert list(in_chunks(Employee.objects.filter(name="Tidak ada"), by_pk=True)) == []


def test_behind_a_pooler_rows_deleted_while_reading_are_left_out(pooled, employees):
    pks = sorted(employees.values_list("pk", flat=True))
    seen = []
    for employee in in_chunks(Employee.objects.filter(pk__in=pks), 3, by_pk=True):
        seen.append(employee.pk)
        if employee.pk == pks[0]:
            Employee.objects.filter(pk__in=pks[5:7]).delete()  # in a later chunk
    assert seen == pks[:5] + pks[7:]
    remaining = [pk for pk in reversed(pks) if pk not in pks[5:7]]
    read = []
    for employee in in_chunks(Employee.objects.filter(pk__in=pks).order_by("-pk"), 2):
        read.append(employee.pk)
        if len(read) == 1:
            Employee.objects.filter(pk=remaining[-1]).delete()  # the last one in this order
    assert read == remaining[:-1]
