from django.db import migrations

from netralitas.lib import dbguard


class Migration(migrations.Migration):
    """Signatures and their PDFs are immutable; a pact version in use is frozen.

    The SQL is written out here, frozen: a later change to a guard is a new migration."""

    dependencies = [("pledges", "0001_initial")]

    operations = [
        dbguard.GuardSQL(
            name='guard_signature_immutable',
            sqlite=[
                "CREATE TRIGGER guard_signature_immutable_update BEFORE UPDATE ON pledges_signature FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'Tanda tangan tidak dapat diubah atau dihapus.'); END",
                "CREATE TRIGGER guard_signature_immutable_delete BEFORE DELETE ON pledges_signature FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'Tanda tangan tidak dapat diubah atau dihapus.'); END",
            ],
            postgresql=[
                "CREATE OR REPLACE FUNCTION guard_signature_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TRUE THEN RAISE EXCEPTION 'Tanda tangan tidak dapat diubah atau dihapus.' USING ERRCODE = 'restrict_violation'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
                'CREATE TRIGGER guard_signature_immutable BEFORE UPDATE OR DELETE ON pledges_signature FOR EACH ROW EXECUTE FUNCTION guard_signature_immutable()',
            ],
            reverse_sqlite=[
                'DROP TRIGGER IF EXISTS guard_signature_immutable_update',
                'DROP TRIGGER IF EXISTS guard_signature_immutable_delete',
            ],
            reverse_postgresql=[
                'DROP TRIGGER IF EXISTS guard_signature_immutable ON pledges_signature',
                'DROP FUNCTION IF EXISTS guard_signature_immutable()',
            ],
        ),
        dbguard.GuardSQL(
            name='guard_pactdocument_immutable',
            sqlite=[
                "CREATE TRIGGER guard_pactdocument_immutable_update BEFORE UPDATE ON pledges_pactdocument FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'PDF pakta yang sudah ditandatangani tidak dapat diubah atau dihapus.'); END",
                "CREATE TRIGGER guard_pactdocument_immutable_delete BEFORE DELETE ON pledges_pactdocument FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'PDF pakta yang sudah ditandatangani tidak dapat diubah atau dihapus.'); END",
            ],
            postgresql=[
                "CREATE OR REPLACE FUNCTION guard_pactdocument_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TRUE THEN RAISE EXCEPTION 'PDF pakta yang sudah ditandatangani tidak dapat diubah atau dihapus.' USING ERRCODE = 'restrict_violation'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
                'CREATE TRIGGER guard_pactdocument_immutable BEFORE UPDATE OR DELETE ON pledges_pactdocument FOR EACH ROW EXECUTE FUNCTION guard_pactdocument_immutable()',
            ],
            reverse_sqlite=[
                'DROP TRIGGER IF EXISTS guard_pactdocument_immutable_update',
                'DROP TRIGGER IF EXISTS guard_pactdocument_immutable_delete',
            ],
            reverse_postgresql=[
                'DROP TRIGGER IF EXISTS guard_pactdocument_immutable ON pledges_pactdocument',
                'DROP FUNCTION IF EXISTS guard_pactdocument_immutable()',
            ],
        ),
        dbguard.GuardSQL(
            name='guard_pacttemplate_frozen',
            sqlite=[
                "CREATE TRIGGER guard_pacttemplate_frozen_update BEFORE UPDATE ON pledges_pacttemplate FOR EACH ROW WHEN EXISTS (SELECT 1 FROM pledges_signature WHERE pact_template_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'Versi pakta ini sudah dipakai untuk tanda tangan; buat versi baru.'); END",
                "CREATE TRIGGER guard_pacttemplate_frozen_delete BEFORE DELETE ON pledges_pacttemplate FOR EACH ROW WHEN EXISTS (SELECT 1 FROM pledges_signature WHERE pact_template_id = OLD.id) BEGIN SELECT RAISE(ABORT, 'Versi pakta ini sudah dipakai untuk tanda tangan; buat versi baru.'); END",
            ],
            postgresql=[
                "CREATE OR REPLACE FUNCTION guard_pacttemplate_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM pledges_signature WHERE pact_template_id = OLD.id) THEN RAISE EXCEPTION 'Versi pakta ini sudah dipakai untuk tanda tangan; buat versi baru.' USING ERRCODE = 'restrict_violation'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
                'CREATE TRIGGER guard_pacttemplate_frozen BEFORE UPDATE OR DELETE ON pledges_pacttemplate FOR EACH ROW EXECUTE FUNCTION guard_pacttemplate_frozen()',
            ],
            reverse_sqlite=[
                'DROP TRIGGER IF EXISTS guard_pacttemplate_frozen_update',
                'DROP TRIGGER IF EXISTS guard_pacttemplate_frozen_delete',
            ],
            reverse_postgresql=[
                'DROP TRIGGER IF EXISTS guard_pacttemplate_frozen ON pledges_pacttemplate',
                'DROP FUNCTION IF EXISTS guard_pacttemplate_frozen()',
            ],
        ),
    ]
