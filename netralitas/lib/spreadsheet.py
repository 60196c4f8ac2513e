"""Helpers for the spreadsheets we export (xlsx and csv through django-import-export)."""

import csv
import re

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


# Digits Excel would read from a CSV as a number and mangle: 16 digits and more lose
# the last ones (a NIP, a NIK), 12 and more show as 1.98E+17, a leading zero is dropped.
# Written as ="…", a formula whose value is that text, they stay as written.
NUMBER_LOOKING = re.compile(r"[0-9]{12,}|0[0-9]+")
TEXT_FORMULA = re.compile(r'="([0-9]*)"')


def csv_cell(value):
    """A text cell as written to a CSV file for Excel: formula-escaped, and digits kept
    as text (``="198001012005011001"``)."""
    if not isinstance(value, str):
        return value
    if NUMBER_LOOKING.fullmatch(value):
        return f'="{value}"'
    return escape_formula(value)


def unescape_cell(value):
    """A cell read back from a file we exported: undoes :func:`csv_cell` and
    :func:`escape_formula`, so that a roster exported and imported again is unchanged
    (a name ``=1+1`` stays ``=1+1``, not ``'=1+1``)."""
    if not isinstance(value, str):
        return value
    text = TEXT_FORMULA.fullmatch(value)
    if text:
        return text.group(1)
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


class FormulaSafeExportMixin:
    """Mix into a ``Resource``: every exported text cell is formula-escaped, and the
    xlsx sheet is named ``sheet_title`` (tablib would call it "Tablib Dataset")."""

    sheet_title = "Data"

    def export_field(self, field, instance, **kwargs):
        return escape_formula(Resource.export_field(self, field, instance, **kwargs))

    def export(self, *args, **kwargs):
        dataset = super().export(*args, **kwargs)
        dataset.title = str(self.sheet_title)[:31]
        return dataset


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def write_table(path, file_format, headers, rows, *, sheet="Data", widths=None, progress=None):
    """Write ``rows`` (iterables of cell values, streamed) under ``headers`` to ``path``
    as xlsx or csv; returns the number of rows. Text cells are formula-escaped.

    xlsx through xlsxwriter in constant-memory mode: each row is written to disk as it
    comes, so 40,000 rows cost what 40 do in memory; csv as UTF-8 with a byte-order mark
    (Excel then reads names with accents right). ``progress(count)`` is called every
    1,000 rows."""
    count = 0
    if file_format == "xlsx":
        import xlsxwriter

        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True})
        for column, width in enumerate(widths or []):
            worksheet.set_column(column, column, width)
        worksheet.write_row(0, 0, headers, bold)
        write_string, write_number = worksheet.write_string, worksheet.write_number
        for count, row in enumerate(rows, start=1):
            # write_string: an identifier like 198001012005011001 stays text, every digit kept.
            for column, value in enumerate(row):
                if value.__class__ is str:
                    if value:
                        write_string(count, column, escape_formula(value))
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    write_number(count, column, value)
                elif value is not None:
                    write_string(count, column, str(value))
            if progress is not None and count % 1000 == 0:
                progress(1000)
        workbook.close()
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for count, row in enumerate(rows, start=1):
                writer.writerow([csv_cell(value) for value in row])
                if progress is not None and count % 1000 == 0:
                    progress(1000)
    return count
