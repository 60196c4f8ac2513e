from django.db import migrations, models


class Migration(migrations.Migration):
    """Each signature records the text format it was built with; every signature made
    before formats were numbered used the first one (pledges.pact_text.Format1)."""

    dependencies = [("pledges", "0002_immutability_guards")]

    operations = [
        migrations.AddField(
            model_name="signature",
            name="text_format",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="Versi format identitas dan teks (pledges.pact_text) saat ditandatangani.",
                verbose_name="format teks",
            ),
            preserve_default=False,
        ),
    ]
