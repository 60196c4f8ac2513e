from django.db import migrations

from netralitas.lib import dbguard


class Migration(migrations.Migration):
    """The audit trail is append-only."""

    dependencies = [("audit", "0001_initial")]

    operations = [dbguard.InstallGuard(dbguard.AUDIT_EVENT_APPEND_ONLY)]
