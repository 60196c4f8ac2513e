"""Helpers for the spreadsheets we export (xlsx and csv through django-import-export)."""

from import_export.resources import Resource

# A cell starting with one of these is run as a formula by Excel or LibreOffice
# ("CSV injection"). import-export's own setting only strips a leading "=".
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def escape_formula(value):
    """Prefix a formula-looking text with an apostrophe so that it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class FormulaSafeExportMixin:
    """Mix into a ``Resource``: every exported text cell is formula-escaped."""

    def export_field(self, field, instance, **kwargs):
        return escape_formula(Resource.export_field(self, field, instance, **kwargs))
