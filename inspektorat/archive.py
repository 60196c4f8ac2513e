"""ZIP archives of signed pacts, streamed with the standard library's ``zipfile``.

The rows are read before the first byte, as tuples of text, a chunk at a time
(``netralitas.lib.chunks``: no cursor stays open while the ZIP is sent). While it
is sent, each PDF is read whole (a pact is tens of KB), its SHA-256 compared with
the one recorded when it was sealed (``pledges.evidence``), and only then written
into the archive, with its manifest line and a unique name made as it goes. A
PDF gone from storage or altered is never in the archive, and ``manifest.csv``,
written last, flags it. What goes in is known only as it is sent, so the response
has no Content-Length (it is sent in chunks); memory does not grow with the PDFs,
only with the rows, the manifest and the list of entries that any ZIP's central
directory needs.

PDFs are stored, not deflated: they are compressed already, and deflate would
cost CPU to save little. ``zipfile`` writes into a sink that cannot seek, so every
entry carries a data descriptor, and it switches to ZIP64 by itself where sizes,
offsets or the number of entries need it.
"""

import csv
import io
import os
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from netralitas.lib import storages_pinned
from netralitas.lib.chunks import in_chunks
from netralitas.lib.dates import timestamp
from netralitas.lib.spreadsheet import escape_formula
from netralitas.lib.tokens import group_code
from pledges import evidence
from pledges.documents import pact_file_name
from pledges.models import PactDocument
from roster.identity import Identifier

# Written to the response in pieces of about this size: one write per PDF would be
# tens of thousands of small writes.
FLUSH_SIZE = 1024 * 1024
MANIFEST_NAME = "manifest.csv"
MANIFEST_HEADER = (
    "NIP",
    "Nama",
    "Unit Kerja",
    "Waktu tanda tangan",
    "Kode verifikasi",
    "SHA-256",
    "Status PDF",
    "Berkas",
    "Catatan",
)
# The archive is evidence handed to BKN or Bawaslu: always in Indonesian, like the PDFs.
NO_UNIT = "Tanpa unit kerja"
State = PactDocument.FileState
STATUS = {None: "belum dibuat", State.INTACT: "utuh", State.MISSING: "HILANG", State.ALTERED: "BERUBAH"}
PDF_NOT_READY = "PDF belum selesai dibuat; tidak termasuk dalam ZIP"
PDF_MISSING = "Berkas PDF tidak ada di penyimpanan; tidak termasuk dalam ZIP (laporkan ke administrator)"
PDF_ALTERED = (
    "PDF BERUBAH: SHA-256 berkas tersimpan tidak sama dengan yang tercatat ({actual}); bukan pakta asli, "
    "tidak termasuk dalam ZIP (laporkan ke administrator agar dipulihkan dari cadangan)"
)
FOLDER_NAME_LENGTH = 80
# PDFs read ahead from object storage while the archive is written (about 50 KB each).
READ_AHEAD = 8


def _reads(storage, names):
    """The bytes of each stored file named in ``names`` (``None``: gone, or no name), in
    order. From object storage read in one request each (``netralitas.lib.storages_pinned``),
    up to ``READ_AHEAD`` of them in flight while the archive is written, so that the
    server's time and ours overlap instead of adding up (memory: that many PDFs);
    otherwise one after the other."""
    if not storages_pinned.reads_by_url(storage):
        read = _opener(storage)
        for name in names:
            yield read(name) if name else None
        return
    with ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="zip-read") as pool:
        pending = deque()
        for name in names:
            pending.append(pool.submit(storages_pinned.fetch(storage, name, evidence.opened_bytes)) if name else None)
            if len(pending) > READ_AHEAD:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())


def _result(future):
    return None if future is None else future.result()


def _opener(storage):
    """How to read a stored file's bytes (``None`` when it is gone).

    On the local disk a file is opened by its path under the storage's folder: Django's
    ``File`` wrapper and ``safe_join`` around each of tens of thousands of small files
    were a fifth of the archive's CPU. The names are the ones this app stored; one that
    would leave the folder is treated as gone. Any other storage (object storage) is
    read through its ``open``."""
    if isinstance(storage, FileSystemStorage):
        root = os.path.join(os.path.abspath(storage.location), "")

        def read(name):
            if os.path.isabs(name) or ".." in name.split("/"):
                return None
            return _read_path(os.path.join(root, name))

        return read
    return lambda name: evidence.stored_bytes(storage, name)


def _read_path(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


class _Chunks:
    """Where ``zipfile`` writes: collects the bytes until they are taken. It has no
    ``seek``, so ``zipfile`` streams (data descriptors, nothing rewritten)."""

    def __init__(self):
        self.parts, self.size, self.offset = [], 0, 0

    def write(self, data):
        self.parts.append(data)
        self.size += len(data)
        self.offset += len(data)
        return len(data)

    def tell(self):
        return self.offset

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


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


def pact_archive(signatures, agency, storage=None, *, noticed=None):
    """A ZIP of ``manifest.csv`` and one PDF per signature whose stored file is
    intact, as an iterator of bytes.

    ``signatures`` comes from ``inspektorat.queries.archive_signatures``. A
    signature whose PDF is not made yet is listed in the manifest with an empty
    hash; one whose file is gone or altered with its recorded hash, its status and
    a note, and ``noticed(document_id, reading)`` (``pledges.evidence.Findings``)
    hears of every PDF read. Returns ``(iterator, count of PDFs to send, count
    without PDF)``. The rows are read before the first byte (no cursor stays open
    while the ZIP is sent); the files as the iterator goes."""
    storage = storage or PactDocument._meta.get_field("file").storage
    rows = list(in_chunks(signatures))
    with_pdf = sum(1 for row in rows if row[FILE])
    return _stream(rows, agency, storage, noticed), with_pdf, len(rows) - with_pdf


# The columns of a row of inspektorat.queries.archive_signatures.
NAME, ID_LABEL, ID_NUMBER, SIGNED_AT, CODE, UNIT_ID, UNIT_NAME, DOCUMENT, FILE, SHA256 = range(10)


def _entry(name, moment):
    info = zipfile.ZipInfo(name, moment)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def _stream(rows, agency, storage, noticed):
    manifest = io.StringIO()
    manifest.write("\ufeff")  # so that Excel reads the UTF-8 names right
    writer = csv.writer(manifest, lineterminator="\r\n")
    writer.writerow(MANIFEST_HEADER)
    # Every entry carries the moment the archive was made, in the agency's zone.
    moment = timezone.localtime(timezone=agency.tzinfo).timetuple()[:6]
    reads = _reads(storage, [row[FILE] for row in rows])
    sink = _Chunks()
    archive = zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED)
    folders, taken = {}, set()
    for row, data in zip(rows, reads, strict=True):
        signer = {"name": row[NAME] or "", "id_label": row[ID_LABEL], "id_number": row[ID_NUMBER] or ""}
        line = [
            str(Identifier.of_signer(signer)),
            escape_formula(signer["name"]),
            escape_formula(row[UNIT_NAME] or ""),
            timestamp(row[SIGNED_AT], agency.time_zone),
            group_code(row[CODE]),
        ]
        if not row[FILE]:
            writer.writerow([*line, "", STATUS[None], "", PDF_NOT_READY])
            continue
        reading = evidence.read(data, row[SHA256])
        if noticed is not None:
            noticed(row[DOCUMENT], reading)
        if reading.state == State.MISSING:
            writer.writerow([*line, row[SHA256], STATUS[reading.state], "", PDF_MISSING])
            continue
        if reading.state == State.ALTERED:
            note = PDF_ALTERED.format(actual=reading.sha256)
            writer.writerow([*line, row[SHA256], STATUS[reading.state], "", note])
            continue
        if row[UNIT_ID] not in folders:
            folders[row[UNIT_ID]] = folder_name(row[UNIT_NAME])
        name = entry_name(folders[row[UNIT_ID]], signer, row[CODE], taken)
        writer.writerow([*line, row[SHA256], STATUS[reading.state], name, ""])
        archive.writestr(_entry(name, moment), reading.data)
        if sink.size >= FLUSH_SIZE:
            yield sink.take()
    archive.writestr(_entry(MANIFEST_NAME, moment), manifest.getvalue().encode("utf-8"))
    archive.close()
    yield sink.take()
