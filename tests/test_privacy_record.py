"""``docs/privacy.md`` is the record of processing (UU PDP): it lists every database table
with all its columns. This fails when a model gains a column the record does not list, or
the record lists one that no longer exists — so the record stays true."""

import re

from django.apps import apps
from django.conf import settings

RECORD = settings.BASE_DIR / "docs" / "privacy.md"
ROW = re.compile(r"^\| `(?P<table>[\w.]+)` \| (?P<columns>[^|]+) \|", re.M)


def recorded():
    return {match["table"]: re.findall(r"`(\w+)`", match["columns"]) for match in ROW.finditer(RECORD.read_text())}


def test_every_table_is_in_the_record_of_processing_with_exactly_its_columns():
    record = recorded()
    tables = {model._meta.label: [field.name for field in model._meta.concrete_fields] for model in apps.get_models()}
    assert sorted(set(tables) - set(record)) == [], "tables missing from docs/privacy.md"
    assert sorted(set(record) - set(tables)) == [], "docs/privacy.md lists tables that do not exist"
    for table, columns in tables.items():
        listed = record[table]
        assert len(listed) == len(set(listed)), f"{table}: a column listed twice in docs/privacy.md"
        assert sorted(set(columns) - set(listed)) == [], f"{table}: columns missing from docs/privacy.md"
        assert sorted(set(listed) - set(columns)) == [], f"{table}: docs/privacy.md lists columns it does not have"


def test_the_record_is_read_from_the_table_not_from_anywhere_in_the_text():
    """The parser takes each table row's first two cells only: a sanity check that it
    finds the rows (and would notice one it could not read)."""
    record = recorded()
    assert "pledges.Signature" in record and "ip_address" in record["pledges.Signature"]
    assert len(record) == len(apps.get_models())
