"""Django's SQLite backend, with one change: rebuilding a table keeps its guards.

SQLite cannot alter a column in place, so Django rebuilds the table (create a
copy, move the rows, drop the old table, rename the copy). Dropping the table
drops its triggers — the immutability guards would vanish silently — and a
trigger of another table that names it (the pact version's guard looks at the
signatures) makes the rename fail. Before a rebuild this backend lifts every
trigger that touches the table; afterwards it runs again exactly the SQL the
database had stored for them (``netralitas.lib.dbguard``). ``DATABASE_URL``
``sqlite:///…`` selects it (``netralitas.settings``).
"""

from django.db.backends.sqlite3 import base, schema

from netralitas.lib.dbguard import sqlite_triggers_touching


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _remake_table(self, model, create_field=None, delete_field=None, alter_fields=None):
        with self.connection.cursor() as cursor:
            triggers = sqlite_triggers_touching(cursor, model._meta.db_table)
        for name, _sql in triggers:
            self.execute(f'DROP TRIGGER "{name}"', params=None)
        super()._remake_table(model, create_field=create_field, delete_field=delete_field, alter_fields=alter_fields)
        for _name, sql in triggers:
            self.execute(sql, params=None)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
