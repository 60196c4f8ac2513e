from django.db import migrations

from netralitas.lib import dbguard


class Migration(migrations.Migration):
    """The audit trail is append-only.

    The SQL is written out here, frozen: a later change to the guard is a new migration."""

    dependencies = [("audit", "0001_initial")]

    operations = [
        dbguard.GuardSQL(
            name='guard_auditevent_append_only',
            sqlite=[
                "CREATE TRIGGER guard_auditevent_append_only_update BEFORE UPDATE ON audit_auditevent FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'Jejak audit tidak dapat diubah atau dihapus.'); END",
                "CREATE TRIGGER guard_auditevent_append_only_delete BEFORE DELETE ON audit_auditevent FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'Jejak audit tidak dapat diubah atau dihapus.'); END",
            ],
            postgresql=[
                "CREATE OR REPLACE FUNCTION guard_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TRUE THEN RAISE EXCEPTION 'Jejak audit tidak dapat diubah atau dihapus.' USING ERRCODE = 'restrict_violation'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
                'CREATE TRIGGER guard_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION guard_auditevent_append_only()',
            ],
            reverse_sqlite=[
                'DROP TRIGGER IF EXISTS guard_auditevent_append_only_update',
                'DROP TRIGGER IF EXISTS guard_auditevent_append_only_delete',
            ],
            reverse_postgresql=[
                'DROP TRIGGER IF EXISTS guard_auditevent_append_only ON audit_auditevent',
                'DROP FUNCTION IF EXISTS guard_auditevent_append_only()',
            ],
        ),
    ]
