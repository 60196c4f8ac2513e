"""ZIP archives of signed pacts, streamed with zipstream-ng.

The archive is laid out before the first byte is sent — one streamed query gives
every entry's name and size (``PactDocument.size``) and the manifest — so the
response carries an exact Content-Length. The PDFs themselves are read from
storage in chunks only while the ZIP is being sent: memory does not grow with
the PDFs, only with the list of entries that any ZIP's central directory needs.

PDFs are stored, not deflated: they are compressed already, and deflate would
cost CPU to save little.
"""

import csv
import io
import os

from zipstream import ZIP_STORED, ZipStream

from netralitas.lib.dates import timestamp
from netralitas.lib.spreadsheet import escape_formula
from netralitas.lib.tokens import group_code
from pledges.documents import pact_file_name
from pledges.models import PactDocument
from roster.identity import Identifier

CHUNK_SIZE = 64 * 1024
MANIFEST_NAME = "manifest.csv"
MANIFEST_HEADER = (
    "NIP",
    "Nama",
    "Unit Kerja",
    "Waktu tanda tangan",
    "Kode verifikasi",
    "SHA-256",
    "Berkas",
    "Catatan",
)
# The archive is evidence handed to BKN or Bawaslu: always in Indonesian, like the PDFs.
NO_UNIT = "Tanpa unit kerja"
PDF_NOT_READY = "PDF belum selesai dibuat; tidak termasuk dalam ZIP"
PDF_MISSING = "Berkas PDF tidak ada di penyimpanan; tidak termasuk dalam ZIP (laporkan ke administrator)"
PDF_CHANGED = "Ukuran berkas PDF tidak sama dengan yang tercatat; tidak termasuk dalam ZIP (laporkan ke administrator)"
FOLDER_NAME_LENGTH = 80


def _chunks(storage, name):
    """The stored file's bytes, a chunk at a time; opened only when the ZIP gets there."""
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


def stored_size(storage, name):
    """The size of a stored file, ``None`` when it is gone. Checked before the first
    byte so that a missing file is a manifest line, not a ZIP broken mid-stream. On
    storage without local paths (S3) there is no cheap check: the recorded size is
    trusted and ``manage.py check_storage`` is the safety net."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        return NotImplemented
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def folder_name(unit_name):
    """A unit's name made safe as one folder: no separators, no control characters."""
    cleaned = "".join("-" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in unit_name or "")
    cleaned = " ".join(cleaned.split()).strip(" .")[:FOLDER_NAME_LENGTH].strip(" .")
    return cleaned or NO_UNIT


def entry_name(folder, signer, code, taken):
    """``<unit>/pakta-<name>-<code>.pdf`` (the signer's copy's name, no NIP), made
    unique within the archive."""
    stem = f"{folder}/{pact_file_name(signer, code)}".removesuffix(".pdf")
    name, number = f"{stem}.pdf", 1
    while name in taken:
        number += 1
        name = f"{stem}-{number}.pdf"
    taken.add(name)
    return name


def pact_archive(signatures, agency, storage=None):
    """A sized ``ZipStream`` holding ``manifest.csv`` and one PDF per signature.

    ``signatures`` comes from ``inspektorat.queries.archive_signatures``. A signature
    whose PDF is not made yet is listed in the manifest with an empty hash and a
    note; one whose file is gone from storage (or no longer has its recorded size)
    with its recorded hash and a note. Returns ``(stream, count of PDFs, count
    without PDF)``."""
    storage = storage or PactDocument._meta.get_field("file").storage
    manifest = io.StringIO()
    manifest.write("\ufeff")  # so that Excel reads the UTF-8 names right
    writer = csv.writer(manifest, lineterminator="\r\n")
    writer.writerow(MANIFEST_HEADER)
    entries, taken, missing, folders = [], set(), 0, {}
    for signer, signed_at, code, unit_id, unit_name, file_name, sha256, size in signatures.iterator(chunk_size=2000):
        if unit_id not in folders:
            folders[unit_id] = folder_name(unit_name)
        row = [
            str(Identifier.of_signer(signer)),
            escape_formula(signer.get("name", "")),
            escape_formula(unit_name or ""),
            timestamp(signed_at, agency.time_zone),
            group_code(code),
        ]
        if not file_name:
            missing += 1
            writer.writerow([*row, "", "", PDF_NOT_READY])
            continue
        actual = stored_size(storage, file_name)
        if actual is None or (actual is not NotImplemented and actual != size):
            missing += 1
            writer.writerow([*row, sha256, "", PDF_MISSING if actual is None else PDF_CHANGED])
            continue
        name = entry_name(folders[unit_id], signer, code, taken)
        writer.writerow([*row, sha256, name, ""])
        entries.append((file_name, name, size))

    stream = ZipStream(compress_type=ZIP_STORED, sized=True)
    stream.add(manifest.getvalue().encode("utf-8"), MANIFEST_NAME)
    for file_name, name, size in entries:
        stream.add(_chunks(storage, file_name), name, size=size)
    return stream, len(entries), missing
