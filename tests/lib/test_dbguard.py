"""The immutability guards: all present after ``migrate``, a missing one named, and
out of reach of the role the app runs as."""

import importlib

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from netralitas.lib import dbguard
from netralitas.lib.dbroles import app_role_sql
from tests.postgres import throwaway_database

pytestmark = pytest.mark.django_db


def test_every_expected_guard_is_installed_after_migrate(capsys):
    installed = dbguard.installed_triggers(connection)
    for guard in dbguard.EXPECTED:
        for name in guard.trigger_names(connection.vendor):
            assert installed.get(name) == guard.table, f"{name} missing on {guard.table}"
    assert dbguard.missing_guards(connection) == []
    call_command("check_guards")
    assert "Semua penjaga terpasang." in capsys.readouterr().out


def test_a_missing_guard_is_named():
    # Inside the test's transaction: the drop is rolled back afterwards.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER guard_pactdocument_immutable_delete")
            missing = ["guard_pactdocument_immutable_delete"]
        else:
            cursor.execute("DROP TRIGGER guard_pactdocument_immutable ON pledges_pactdocument")
            missing = ["guard_pactdocument_immutable"]
    assert dbguard.missing_guards(connection) == missing
    with pytest.raises(CommandError, match=missing[0]):
        call_command("check_guards")


def _migration_sql(module, name, vendor):
    """The SQL a migration froze for one guard, as the migration holds it."""
    migration = importlib.import_module(module).Migration
    (operation,) = [op for op in migration.operations if getattr(op, "name", None) == name]
    return operation.forwards[vendor]


def test_the_app_role_cannot_lift_a_guard():
    """As the README sets it up: the owner migrates, the app connects as a role that
    owns nothing. That role may write rows but cannot disable, drop or bypass a
    guard. Checked on PostgreSQL whatever the suite runs on (SQLite has no roles)."""
    with throwaway_database("roles") as url, psycopg.connect(url) as db:
        owner, database = db.execute("SELECT current_user, current_database()").fetchone()
        role = f"{database}_app"
        db.execute("CREATE TABLE pledges_signature (id bigint PRIMARY KEY, text text)")
        db.execute("CREATE TABLE audit_auditevent (id bigint PRIMARY KEY, description text)")
        db.execute("INSERT INTO pledges_signature VALUES (1, 'asli')")
        db.execute("INSERT INTO audit_auditevent VALUES (1, 'asli')")
        for sql in _migration_sql(
            "pledges.migrations.0002_immutability_guards", "guard_signature_immutable", "postgresql"
        ):
            db.execute(sql)
        for sql in _migration_sql(
            "audit.migrations.0002_append_only_guard", "guard_auditevent_append_only", "postgresql"
        ):
            db.execute(sql)
        # Roles belong to the whole server: created inside this transaction, gone with it.
        db.execute(f'CREATE ROLE "{role}" NOLOGIN')
        for sql in app_role_sql(role, database=database, owner=owner):
            db.execute(sql)
        db.execute(f'SET ROLE "{role}"')
        db.execute("INSERT INTO audit_auditevent VALUES (2, 'baru')")  # the app writes rows
        for statement in (
            "ALTER TABLE pledges_signature DISABLE TRIGGER guard_signature_immutable",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
            "DROP TRIGGER guard_signature_immutable ON pledges_signature",
            "DROP FUNCTION guard_signature_immutable() CASCADE",
            "TRUNCATE pledges_signature",
            "DROP TABLE audit_auditevent",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
                db.execute(statement)
        for statement in ("UPDATE pledges_signature SET text = 'diubah'", "DELETE FROM audit_auditevent"):
            with pytest.raises(psycopg.errors.RestrictViolation), db.transaction():
                db.execute(statement)
        db.execute("RESET ROLE")
        assert db.execute("SELECT text FROM pledges_signature").fetchall() == [("asli",)]
        db.rollback()
