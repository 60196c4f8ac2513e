"""Check that every immutability guard is in the database and enabled, and whether
the role the app connects as could lift them. Exits 1 when a guard is missing.

Run after every ``migrate`` in production (and from monitoring): a guard that
is gone is silent otherwise."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from netralitas.lib.dbguard import EXPECTED, missing_guards

OWNER_QUERY = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relname = ANY(%s) "
    "AND (pg_has_role(current_user, c.relowner, 'USAGE') "
    "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))"
)


def tables_this_role_could_unguard():
    """The guarded tables whose triggers the current PostgreSQL role may disable or
    drop (it owns them, or is a superuser). Empty on SQLite, which has no roles."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(OWNER_QUERY, [[guard.table for guard in EXPECTED]])
        return sorted(row[0] for row in cursor.fetchall())


class Command(BaseCommand):
    help = "Periksa pemicu (trigger) penjaga catatan yang tidak boleh diubah."
    # An operator's tool that must start fast and work on a half-restored server: no URL checks.
    requires_system_checks = []

    def handle(self, *args, **options):
        missing = missing_guards(connection)
        for guard in EXPECTED:
            for name in guard.trigger_names(connection.vendor):
                state = "HILANG" if name in missing else "ada"
                self.stdout.write(f"{name} ({guard.table}): {state}")
        exposed = tables_this_role_could_unguard()
        if exposed:
            self.stdout.write(
                "Peringatan: peran basis data aplikasi ini pemilik (atau superuser) tabel "
                f"{', '.join(exposed)} dan dapat mematikan penjaganya; jalankan aplikasi dengan peran "
                "terpisah yang bukan pemilik (README, Produksi)."
            )
        if missing:
            raise CommandError(f"Penjaga hilang: {', '.join(missing)}. Jalankan migrate, lalu periksa lagi.")
        self.stdout.write("Semua penjaga terpasang.")
