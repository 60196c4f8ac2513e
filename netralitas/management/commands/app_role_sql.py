"""Print the SQL that gives the app's own PostgreSQL role what it needs and no more
(``netralitas.lib.dbroles``). The database owner runs it once, e.g.
``python manage.py app_role_sql netralitas_app | psql "$OWNER_DATABASE_URL"``."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from netralitas.lib.dbroles import app_role_sql


class Command(BaseCommand):
    help = "Cetak perintah SQL untuk peran basis data aplikasi (bukan pemilik tabel)."
    # An operator's tool that must start fast and work on a half-restored server: no URL checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("role", help="nama peran aplikasi, mis. netralitas_app")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Peran basis data hanya ada di PostgreSQL.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
        for statement in app_role_sql(role, database=database, owner=owner):
            self.stdout.write(f"{statement};")
