"""Reading a roster file (xlsx or csv) into rows, with every file-level problem
told in Indonesian — never a library's English ("File is not a zip file").

Two steps, because they run at different times:

- :func:`check_upload` runs in the upload request and refuses at once what
  would cost too much or cannot be read: a file above ``ROSTER_MAX_MB``, a sheet
  above ``ROSTER_MAX_ROWS`` rows (counted from the xlsx's XML without parsing a
  cell: a 300 KB file can hold a million rows), something that is no xlsx at all,
  a CSV in none of the encodings Excel writes here (:func:`decode_csv`).
- :func:`read_rows` runs in the background job: python-calamine (Rust) reads the
  xlsx, the csv module the csv; it finds the sheet whose header row has the
  roster's columns (the data need not be on the first sheet, nor start on row 1).
"""

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from charset_normalizer import from_bytes
from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls and password-protected .xlsx alike
MAX_SHEET_XML = 300 * 1024 * 1024  # uncompressed XML of one sheet
MAX_COLUMNS = 200
HEADER_SEARCH_ROWS = 20  # title lines a BKD export may carry above its header row
CSV_FIELD_LIMIT = 10_000
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}


class RosterFileError(Exception):
    """The file cannot be read as a roster at all; the message says why (Indonesian)."""


@dataclass
class Table:
    """What a roster file holds: the header row, the data rows, and where they are."""

    headers: list
    rows: list  # lists of cell values
    first_row: int  # spreadsheet row number of ``rows[0]`` (the header is the row above)
    sheet: str = ""


def max_rows():
    return settings.ROSTER_MAX_ROWS


def max_bytes():
    return settings.ROSTER_MAX_MB * 1024 * 1024


def kind_of(name):
    return "xlsx" if name.lower().endswith(".xlsx") else "csv"


def too_many_rows(count, where=""):
    return RosterFileError(
        _(
            "Berkas%(where)s berisi lebih dari %(limit)s baris; batasnya %(limit)s baris per impor. "
            "Bagi daftar pegawai menjadi beberapa berkas."
        )
        % {"where": where, "limit": f"{max_rows():,}".replace(",", ".")}
    )


def too_big():
    return RosterFileError(_("Berkas terlalu besar: paling besar %(mb)s MB.") % {"mb": settings.ROSTER_MAX_MB})


def check_upload(name, data):
    """Refuse at once a file that is too big, too long, or no roster file at all."""
    if len(data) > max_bytes():
        raise too_big()
    if not data.strip():
        raise RosterFileError(_("Berkas kosong."))
    if kind_of(name) == "xlsx":
        with _open_xlsx(data) as archive:
            for sheet_name, path in _sheet_parts(archive):
                rows, columns = _sheet_size(archive, path)
                if rows > max_rows() + 1:
                    raise too_many_rows(rows, _(" (lembar “%(sheet)s”)") % {"sheet": sheet_name})
                if columns > MAX_COLUMNS:
                    raise RosterFileError(
                        _("Lembar “%(sheet)s” memiliki %(count)s kolom; paling banyak %(limit)s.")
                        % {"sheet": sheet_name, "count": columns, "limit": MAX_COLUMNS}
                    )
    else:
        # Rows end with a newline; a quoted cell may hold one more, so this only errs high.
        if data.count(b"\n") > max_rows() + 1:
            raise too_many_rows(data.count(b"\n"))
        decode_csv(data)


def _open_xlsx(data):
    if data.startswith(OLE_MAGIC):
        raise RosterFileError(
            _(
                "Berkas ini format Excel lama (.xls) atau dilindungi kata sandi. "
                "Buka di Excel, hapus kata sandinya bila ada, lalu simpan sebagai .xlsx atau .csv."
            )
        )
    if not data.startswith(XLSX_MAGIC):
        raise RosterFileError(
            _("Berkas ini bukan Excel .xlsx (isinya tidak dikenali). Simpan ulang dari Excel sebagai .xlsx atau .csv.")
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        archive.getinfo("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise RosterFileError(
            _("Berkas .xlsx ini rusak atau tidak lengkap. Simpan ulang dari Excel sebagai .xlsx atau .csv.")
        ) from None
    return archive


def _sheet_parts(archive):
    """``(sheet name, part path)`` of every worksheet, in the workbook's order."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise RosterFileError(
            _("Berkas .xlsx ini rusak atau tidak lengkap. Simpan ulang dari Excel sebagai .xlsx atau .csv.")
        ) from None
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("p:Relationship", _NS)}
    sheets = []
    for sheet in workbook.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if path in archive.NameToInfo:
            sheets.append((sheet.get("name", ""), path))
    if not sheets:
        raise RosterFileError(_("Berkas .xlsx ini tidak memiliki lembar kerja (sheet)."))
    return sheets


def _column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64  # bytes: letters are ints
    return number


def _sheet_size(archive, path):
    """``(rows, columns)`` of a worksheet from its XML, without parsing cells: the
    ``<dimension>`` when it is there and small, else a count of ``<row`` tags that
    stops as soon as the limit is passed."""
    info = archive.getinfo(path)
    if info.file_size > MAX_SHEET_XML:
        raise too_many_rows(max_rows() + 1)
    with archive.open(info) as handle:
        head = handle.read(4096)
        match = _DIMENSION.search(head)
        columns = 0
        if match:
            last_row = int(match.group(4) or match.group(2))
            columns = _column_number(match.group(3) or match.group(1)) - _column_number(match.group(1)) + 1
            if last_row <= max_rows() + 1:
                return last_row, columns
        rows, tail, chunk = 0, b"", head
        while chunk:
            block = tail + chunk
            rows += block.count(b"<row ") + block.count(b"<row>") + block.count(b":row ")
            if rows > max_rows() + 1:
                break
            tail = block[-5:]
            rows -= tail.count(b"<row ") + tail.count(b"<row>") + tail.count(b":row ")
            chunk = handle.read(1 << 20)
        return rows, columns


def read_rows(name, data, is_header):
    """The roster's :class:`Table`: the first sheet (or csv) with a header row that
    ``is_header(cells)`` accepts. Raises RosterFileError when there is none."""
    check_upload(name, data)
    if kind_of(name) == "xlsx":
        return _read_xlsx(data, is_header)
    return _read_csv(data, is_header)


def _read_xlsx(data, is_header):
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise RosterFileError(
            _("Berkas .xlsx ini dilindungi kata sandi; hapus kata sandinya lalu unggah lagi.")
        ) from None
    except (CalamineError, ValueError, OSError):
        raise RosterFileError(
            _("Berkas .xlsx ini rusak atau tidak lengkap. Simpan ulang dari Excel sebagai .xlsx atau .csv.")
        ) from None
    seen = []
    for sheet_name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
            cells = sheet.to_python(skip_empty_area=True)
        except (CalamineError, ValueError, OSError):
            seen.append(_("%(sheet)s (tidak terbaca)") % {"sheet": sheet_name})
            continue
        found = _find_header(cells, is_header)
        if found is not None:
            index, headers = found
            start_row = (sheet.start or (0, 0))[0] if cells else 0
            return Table(headers=headers, rows=cells[index + 1 :], first_row=start_row + index + 2, sheet=sheet_name)
        seen.append(_describe_sheet(sheet_name, cells))
    raise RosterFileError(
        _(
            "Tidak ada lembar (sheet) yang baris judulnya memuat kolom Nama dan NIP (atau NIK). "
            "Lembar dalam berkas: %(sheets)s. Pindahkan data ke lembar pertama atau beri judul kolom yang benar."
        )
        % {"sheets": "; ".join(seen)}
    )


def _describe_sheet(sheet_name, cells):
    row = next((row for row in cells[:HEADER_SEARCH_ROWS] if any(_cell_text(c) for c in row)), None)
    if row is None:
        return _("%(sheet)s (kosong)") % {"sheet": sheet_name}
    columns = ", ".join(text for text in (_cell_text(c) for c in row[:8]) if text)
    return _("%(sheet)s (kolom: %(columns)s)") % {"sheet": sheet_name, "columns": columns[:200]}


def _cell_text(value):
    return "" if value is None else str(value).strip()


def _find_header(cells, is_header):
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        texts = [_cell_text(cell) for cell in row]
        if any(texts) and is_header(texts):
            return index, texts
    return None


def _read_csv(data, is_header):
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    # Excel's "CSV" uses the list separator of the computer's region (";" in Indonesia),
    # its "Unicode Text" a tab.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    previous = csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > max_rows() + 1:
                raise too_many_rows(len(rows))
    except csv.Error:
        raise RosterFileError(
            _(
                "Baris %(row)s berkas CSV tidak terbaca: ada sel yang lebih dari %(limit)s karakter atau tanda "
                "kutip yang tidak ditutup. Periksa baris itu, atau simpan ulang dari Excel."
            )
            % {"row": reader.line_num, "limit": f"{CSV_FIELD_LIMIT:,}".replace(",", ".")}
        ) from None
    finally:
        csv.field_size_limit(previous)
    found = _find_header(rows, is_header)
    if found is None:
        if not any(any(cell.strip() for cell in row) for row in rows):
            raise RosterFileError(_("Berkas kosong: tidak ada baris judul kolom."))
        raise RosterFileError(
            _("Baris judul kolom tidak memuat kolom Nama dan NIP (atau NIK). Kolom yang ada: %(columns)s.")
            % {"columns": ", ".join(cell for cell in rows[0][:12] if cell.strip())[:300] or "-"}
        )
    index, headers = found
    return Table(headers=headers, rows=rows[index + 1 :], first_row=index + 2)


# Windows-1252 characters of 0x80–0x9F that an Indonesian roster does not hold, but a
# Shift-JIS, GBK or Big5 file read as Windows-1252 does (山田 reads "ŽR“c"): their
# lead bytes fall there. Kept: the typographic quotes, dashes, ellipsis, bullet, euro, ™.
_NOT_IN_A_ROSTER = re.compile(b"[" + re.escape("‚ƒ„†‡ˆ‰Š‹ŒŽ˜š›œžŸ".encode("cp1252")) + b"]")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def decode_csv(data):
    """The text of a CSV as Excel writes it in Indonesia: UTF-8 (with or without a
    byte-order mark), UTF-16 with its byte-order mark ("Unicode Text", tab-separated),
    or Windows-1252 ("CSV (Comma delimited)" on an older Windows). Anything else —
    Shift-JIS, GBK, Cyrillic, a binary file — is refused by name before a person
    sees garbled names.

    Windows-1252 decodes almost any bytes, so it is only believed when the text reads
    like a roster: none of the characters above, and charset-normalizer finds no mess
    in it (it refuses e.g. GBK or Windows-1251 text read as Windows-1252)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16")
    elif data.startswith(codecs.BOM_UTF8):
        text = _strict(data, "utf-8-sig")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _strict(data, "cp1252")
            if _NOT_IN_A_ROSTER.search(data) or not from_bytes(_lines_beyond_ascii(data), cp_isolation=["cp1252"]):
                raise _not_an_excel_encoding() from None
    # UTF-16 without its byte-order mark, UTF-32, or no text at all: NULs everywhere. (A
    # stray NUL in a cell is that row's error, told in the preview.)
    head = text[:4096]
    if head and head.count("\x00") * 4 >= len(head):
        raise _not_an_excel_encoding()
    return text


def _lines_beyond_ascii(data, limit=64 * 1024):
    """The lines that hold a byte above ASCII, up to ``limit`` bytes: all that tells
    one 8-bit encoding from another, and a bounded cost whatever the file's size."""
    parts, size, position = [], 0, 0
    while size < limit and (match := _HIGH_BYTE.search(data, position)):
        start = data.rfind(b"\n", 0, match.start()) + 1
        end = data.find(b"\n", match.start())
        end = len(data) if end < 0 else end + 1
        parts.append(data[start:end])
        size += end - start
        position = end
    return b"".join(parts)[:limit]


def _strict(data, encoding):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise _not_an_excel_encoding() from None


def _not_an_excel_encoding():
    return RosterFileError(
        _(
            "Berkas CSV bukan UTF-8/UTF-16/Windows-1252: hurufnya tidak dapat dibaca dengan benar. "
            "Di Excel, pilih Save As → “CSV UTF-8 (Comma delimited)” atau “Unicode Text”, "
            "atau simpan sebagai .xlsx, lalu unggah lagi."
        )
    )
