import datetime
from django.db import migrations, models

EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
LATEST = datetime.datetime(2099, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)


def repair_dates(apps, schema_editor):
    """Before the bounds are enforced: an apel saved with an impossible date
    (0001-01-01 broke every page that showed it, with no way to repair it from a
    page) gets the nearest bound, so that its operator can see and correct it; an
    impossible signing time is dropped (signing is then opened and closed by hand).
    Done in SQL: such rows cannot even be read into Python."""
    Ceremony = apps.get_model("ceremonies", "Ceremony")
    Election = apps.get_model("ceremonies", "Election")
    Ceremony.objects.filter(starts_at__lt=EARLIEST).update(starts_at=EARLIEST)
    Ceremony.objects.filter(starts_at__gt=LATEST).update(starts_at=LATEST)
    for name in ("signing_opens_at", "signing_closes_at"):
        outside = models.Q(**{f"{name}__lt": EARLIEST}) | models.Q(**{f"{name}__gt": LATEST})
        Ceremony.objects.filter(outside).update(**{name: None})
    Election.objects.filter(voting_date__lt=EARLIEST.date()).update(voting_date=EARLIEST.date())
    Election.objects.filter(voting_date__gt=LATEST.date()).update(voting_date=LATEST.date())


class Migration(migrations.Migration):

    dependencies = [
        ('ceremonies', '0002_initial'),
    ]

    operations = [
        migrations.RunPython(repair_dates, migrations.RunPython.noop),
    ]
