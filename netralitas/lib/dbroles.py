"""The PostgreSQL role the running app connects as.

The guards (``netralitas.lib.dbguard``) stop UPDATE and DELETE, but the owner of a
table may TRUNCATE it, disable its triggers or drop them. So migrations run as
the owner, and the app (gunicorn, the PDF workers, cron commands) connects as a
separate role that owns nothing and may only read and write rows. These are the
statements the owner runs once (``manage.py app_role_sql``); the README shows
them and a test runs them.
"""

from psycopg import sql


def app_role_sql(role, *, database, owner):
    """Grants that let ``role`` use ``database``'s tables without owning them.

    Default privileges cover the tables later migrations (run by ``owner``) create."""
    role_id, owner_id, database_id = sql.Identifier(role), sql.Identifier(owner), sql.Identifier(database)
    statements = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database_id, role_id),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role_id),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(role_id),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role_id),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(owner_id, role_id),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(
            owner_id, role_id
        ),
    ]
    return [statement.as_string() for statement in statements]
