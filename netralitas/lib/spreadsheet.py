"""Helpers for the spreadsheets we export (xlsx and csv through django-import-export)."""

from django.conf import settings
from django.utils import translation
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import Resource

FORMATS = {"xlsx": XLSX, "csv": CSV}

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


def export_bytes(resource, rows, file_format):
    """``rows`` (or the resource's own queryset when ``None``) exported as the bytes of
    an xlsx or csv file, and its content type.

    Column titles and labels are in the site's language (Indonesian) whatever the page
    language: a file reads the same for everyone it is handed to, and a roster export
    can be imported back."""
    export_format = FORMATS[file_format]()
    with translation.override(settings.LANGUAGE_CODE):
        data = export_format.export_data(resource.export(rows))
    content_type = export_format.get_content_type()
    if isinstance(data, str):
        # CSV: UTF-8 with a byte-order mark, so that Excel reads names with accents right.
        data = ("\ufeff" + data).encode("utf-8")
        content_type += "; charset=utf-8"
    return data, content_type
