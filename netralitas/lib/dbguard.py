"""Database triggers that make records immutable, on SQLite and PostgreSQL.

"Signed means immutable" must hold for the admin, a shell and a buggy view alike,
so it is enforced by the database: a trigger refuses UPDATE and DELETE of a
signature, its PDF and the audit trail, and of a pact version once a signature
uses it. A violation raises ``IntegrityError``.

Migrations install the guards with :class:`InstallGuard`. PostgreSQL's TRUNCATE
bypasses row triggers (tests rely on that to flush); only the table owner may
TRUNCATE.
"""

from dataclasses import dataclass

from django.db.migrations.operations.base import Operation


@dataclass(frozen=True)
class Guard:
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
        if vendor == "postgresql":
            check = f"IF {self.when} THEN" if self.when else "IF TRUE THEN"
            return [
                f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{check} RAISE EXCEPTION '{self.message}' USING ERRCODE = 'restrict_violation'; END IF; "
                f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
                f"CREATE TRIGGER {self.name} BEFORE {' OR '.join(self.events)} ON {self.table} "
                f"FOR EACH ROW EXECUTE FUNCTION {self.name}()",
            ]
        raise NotImplementedError(f"No immutability guard for database vendor {vendor!r}.")

    def drop_sql(self, vendor):
        if vendor == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {self.name}_{event.lower()}" for event in self.events]
        if vendor == "postgresql":
            return [f"DROP TRIGGER IF EXISTS {self.name} ON {self.table}", f"DROP FUNCTION IF EXISTS {self.name}()"]
        raise NotImplementedError(f"No immutability guard for database vendor {vendor!r}.")


class InstallGuard(Operation):
    """Migration operation: install ``guard`` forwards, remove it backwards."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, guard):
        self.guard = guard

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for sql in self.guard.create_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for sql in self.guard.drop_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    def describe(self):
        return f"Install immutability guard {self.guard.name}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.guard], {})


# Every guard the migrations install, so that test tooling can lift them for a flush.
SIGNATURE_IMMUTABLE = Guard(
    name="guard_signature_immutable",
    table="pledges_signature",
    message="Tanda tangan tidak dapat diubah atau dihapus.",
)
PACT_DOCUMENT_IMMUTABLE = Guard(
    name="guard_pactdocument_immutable",
    table="pledges_pactdocument",
    message="PDF pakta yang sudah ditandatangani tidak dapat diubah atau dihapus.",
)
PACT_TEMPLATE_FROZEN = Guard(
    name="guard_pacttemplate_frozen",
    table="pledges_pacttemplate",
    message="Versi pakta ini sudah dipakai untuk tanda tangan; buat versi baru.",
    when="EXISTS (SELECT 1 FROM pledges_signature WHERE pact_template_id = OLD.id)",
)
AUDIT_EVENT_APPEND_ONLY = Guard(
    name="guard_auditevent_append_only",
    table="audit_auditevent",
    message="Jejak audit tidak dapat diubah atau dihapus.",
)
ALL_GUARDS = [SIGNATURE_IMMUTABLE, PACT_DOCUMENT_IMMUTABLE, PACT_TEMPLATE_FROZEN, AUDIT_EVENT_APPEND_ONLY]
