"""Database triggers that make records immutable, on SQLite and PostgreSQL.

"Signed means immutable" must hold for the admin, a shell and a buggy view alike,
so it is enforced by the database: a trigger refuses UPDATE and DELETE of a
signature, its PDF, an archival timestamp and the audit trail, and of a pact
version once a signature uses it. A violation raises ``IntegrityError``. The one
exception is the retention schedule's (``privacy.retention``): a pact may be deleted
once an append-only tombstone names it, and a signature's device address and browser
reduced once a reduction record names it (on PostgreSQL only in the transaction that
opened that destruction) — see ``pledges/migrations/0009_retention.py``.

Three rules keep the guards alive for years:

* **Frozen SQL.** A migration installs a guard with :class:`GuardSQL`, the SQL
  written out literally in the migration file. Nothing a migration runs comes
  from live code, so editing this module never rewrites history; changing a
  guard is a new migration. :class:`Guard` only *writes* that SQL for an author.
* **Rebuilt tables keep their guards.** SQLite cannot alter a column in place:
  Django rebuilds the table (create, copy, drop, rename), which drops the table's
  triggers and breaks triggers of other tables that name it. The project's
  SQLite backend (``netralitas.lib.sqlite``) lifts every trigger that touches the
  rebuilt table and puts back exactly the SQL the database had stored. PostgreSQL
  never rebuilds a table.
* **Checked.** :data:`EXPECTED` lists every guard; :func:`missing_guards` names
  any that a database lacks (or has disabled), after ``migrate`` and in
  ``manage.py check_guards``.

PostgreSQL's TRUNCATE bypasses row triggers (tests rely on that to flush); only
the table owner may TRUNCATE, disable or drop a trigger — the running app
connects as a role that owns nothing (README, "Produksi").
"""

import re
from dataclasses import dataclass

from django.db.migrations.operations.base import Operation


class GuardSQL(Operation):
    """Migration operation: run the literal SQL written for the database's vendor,
    forwards or backwards. Its job is only to choose the vendor's list."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, *, name, sqlite, postgresql, reverse_sqlite, reverse_postgresql):
        self.name = name
        self.forwards = {"sqlite": list(sqlite), "postgresql": list(postgresql)}
        self.backwards = {"sqlite": list(reverse_sqlite), "postgresql": list(reverse_postgresql)}

    def state_forwards(self, app_label, state):
        pass

    def _run(self, statements, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise NotImplementedError(f"No immutability guard for database vendor {vendor!r}.")
        for sql in statements[vendor]:
            schema_editor.execute(sql, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(self.forwards, schema_editor)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(self.backwards, schema_editor)

    def describe(self):
        return f"Immutability guard {self.name}"

    def deconstruct(self):
        kwargs = {
            "name": self.name,
            "sqlite": self.forwards["sqlite"],
            "postgresql": self.forwards["postgresql"],
            "reverse_sqlite": self.backwards["sqlite"],
            "reverse_postgresql": self.backwards["postgresql"],
        }
        return (self.__class__.__qualname__, [], kwargs)


@dataclass(frozen=True)
class Guard:
    """Writes the SQL of a guard, for an author to paste into a new migration's
    :class:`GuardSQL` (``print(Guard(...).operation_source())``). Migrations never
    call it: what they run is the text they hold."""

    name: str
    table: str
    message: str
    # An SQL condition on OLD; the change is refused only when it holds.
    when: str = ""
    events: tuple = ("UPDATE", "DELETE")

    def create_sql(self, vendor):
        if vendor == "sqlite":
            when = f" WHEN {self.when}" if self.when else ""
            return [
                f"CREATE TRIGGER {self.name}_{event.lower()} BEFORE {event} ON {self.table} FOR EACH ROW{when} "
                f"BEGIN SELECT RAISE(ABORT, '{self.message}'); END"
                for event in self.events
            ]
        check = f"IF {self.when} THEN" if self.when else "IF TRUE THEN"
        return [
            f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{check} RAISE EXCEPTION '{self.message}' USING ERRCODE = 'restrict_violation'; END IF; "
            f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER {self.name} BEFORE {' OR '.join(self.events)} ON {self.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {self.name}()",
        ]

    def drop_sql(self, vendor):
        if vendor == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {self.name}_{event.lower()}" for event in self.events]
        return [f"DROP TRIGGER IF EXISTS {self.name} ON {self.table}", f"DROP FUNCTION IF EXISTS {self.name}()"]

    def operation_source(self):
        """The ``GuardSQL(...)`` call for a migration file, SQL written out."""
        parts = [f"dbguard.GuardSQL(\n    name={self.name!r},"]
        for key, statements in (
            ("sqlite", self.create_sql("sqlite")),
            ("postgresql", self.create_sql("postgresql")),
            ("reverse_sqlite", self.drop_sql("sqlite")),
            ("reverse_postgresql", self.drop_sql("postgresql")),
        ):
            lines = "".join(f"        {sql!r},\n" for sql in statements)
            parts.append(f"    {key}=[\n{lines}    ],")
        return "\n".join(parts) + "\n)"


@dataclass(frozen=True)
class Expected:
    """A guard some migration installs: its name and the table it watches."""

    name: str
    table: str
    # SQLite has one trigger per event (``<name>_update``…); PostgreSQL one for all.
    events: tuple = ("update", "delete")

    def trigger_names(self, vendor):
        if vendor == "sqlite":
            return [f"{self.name}_{event}" for event in self.events]
        return [self.name]


# Every guard the migrations install. A new guard is a migration plus a line here;
# the test after ``migrate`` fails until both exist.
EXPECTED = (
    Expected("guard_signature_immutable", "pledges_signature"),
    Expected("guard_pactdocument_immutable", "pledges_pactdocument"),
    Expected("guard_pacttemplate_frozen", "pledges_pacttemplate"),
    Expected("guard_auditevent_append_only", "audit_auditevent"),
    Expected("guard_archivaltimestamp_immutable", "pledges_archivaltimestamp"),
    # Retention's one way out (pledges 0007): the records of a destruction are append-only,
    # and a tombstone or a reduction must name a real signature of the agency.
    Expected("guard_destruction_append_only", "pledges_destruction"),
    Expected("guard_destroyedpact_append_only", "pledges_destroyedpact"),
    Expected("guard_reduceddevice_append_only", "pledges_reduceddevice"),
    Expected("guard_destroyedpact_truthful", "pledges_destroyedpact", events=("insert",)),
    Expected("guard_reduceddevice_truthful", "pledges_reduceddevice", events=("insert",)),
)


def installed_triggers(connection):
    """``{trigger name: table}`` of the enabled triggers in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND n.nspname = current_schema()"
            )
        return dict(cursor.fetchall())


def missing_guards(connection):
    """Names of the expected triggers that are absent, disabled or on the wrong table."""
    installed = installed_triggers(connection)
    return [
        name
        for guard in EXPECTED
        for name in guard.trigger_names(connection.vendor)
        if installed.get(name) != guard.table
    ]


def sqlite_triggers_touching(cursor, table):
    """``[(name, sql)]`` of the SQLite triggers on ``table`` or naming it in their body,
    as the database stored them."""
    cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    mention = re.compile(rf"\b{re.escape(table)}\b", re.IGNORECASE)
    return [(name, sql) for name, tbl_name, sql in cursor.fetchall() if tbl_name == table or mention.search(sql)]


def sqlite_all_triggers(cursor):
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    return cursor.fetchall()
