"""Shared fixtures: two agencies with every role, and the database plumbing tests need."""

import pytest
from django.db.backends.sqlite3.base import DatabaseOperations as SQLiteOperations

from netralitas.lib import dbguard

_original_sqlite_flush = SQLiteOperations.sql_flush


def _sqlite_flush_lifting_guards(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """SQLite flushes with DELETE, which the immutability triggers refuse (PostgreSQL
    uses TRUNCATE, which they do not see). Lift them for the flush between
    transactional tests only, and put them back in the same transaction."""
    statements = _original_sqlite_flush(
        self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
    )
    if not statements:
        return statements
    drop = [sql for guard in dbguard.ALL_GUARDS for sql in guard.drop_sql("sqlite")]
    create = [sql for guard in dbguard.ALL_GUARDS for sql in guard.create_sql("sqlite")]
    return drop + statements + create


SQLiteOperations.sql_flush = _sqlite_flush_lifting_guards


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"
