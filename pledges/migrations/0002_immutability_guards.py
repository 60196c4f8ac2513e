from django.db import migrations

from netralitas.lib import dbguard


class Migration(migrations.Migration):
    """Signatures and their PDFs are immutable; a pact version in use is frozen."""

    dependencies = [("pledges", "0001_initial")]

    operations = [
        dbguard.InstallGuard(dbguard.SIGNATURE_IMMUTABLE),
        dbguard.InstallGuard(dbguard.PACT_DOCUMENT_IMMUTABLE),
        dbguard.InstallGuard(dbguard.PACT_TEMPLATE_FROZEN),
    ]
