import datetime

from django.db import migrations, models


class Migration(migrations.Migration):
    """The bounds of ``netralitas.lib.dates`` in the database: no apel or election
    before 2000 or after 2099 (0003 repaired any that was)."""

    dependencies = [
        ('ceremonies', '0003_repair_impossible_dates'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='ceremony',
            constraint=models.CheckConstraint(condition=models.Q(('starts_at__gte', datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('starts_at__lte', datetime.datetime(2099, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc))), name='ceremony_starts_sensible'),
        ),
        migrations.AddConstraint(
            model_name='ceremony',
            constraint=models.CheckConstraint(condition=models.Q(('signing_opens_at__isnull', True), models.Q(('signing_opens_at__gte', datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('signing_opens_at__lte', datetime.datetime(2099, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc))), _connector='OR'), name='ceremony_opens_sensible'),
        ),
        migrations.AddConstraint(
            model_name='ceremony',
            constraint=models.CheckConstraint(condition=models.Q(('signing_closes_at__isnull', True), models.Q(('signing_closes_at__gte', datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('signing_closes_at__lte', datetime.datetime(2099, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc))), _connector='OR'), name='ceremony_closes_sensible'),
        ),
        migrations.AddConstraint(
            model_name='election',
            constraint=models.CheckConstraint(condition=models.Q(('voting_date__gte', datetime.date(2000, 1, 1)), ('voting_date__lte', datetime.date(2099, 12, 31))), name='election_date_sensible'),
        ),
    ]
