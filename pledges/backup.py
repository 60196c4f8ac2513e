"""Backing up and restoring everything a pact's proof needs, together: the database,
the media folder (signed PDFs, archival copies, logos) and the signing keys.

A backup is one tar file (``manage.py backup``):

* ``database.sqlite3`` (SQLite's online backup) or ``database.pgdump`` (``pg_dump``
  custom format, without owners or grants);
* ``media/…`` and ``keys/…``: the stored files (``MEDIA_ROOT``, or every object of the
  bucket when the files are kept in object storage, read and put back through the
  storage API) and ``SIGNING_KEYS_DIR`` as they are;
* ``certificates/<agency id>/…``: each agency's production PKCS#12 that lives
  elsewhere (``Agency.certificate_path``), to be put back where it was;
* ``manifest.json``: the SHA-256 of every file in the archive, and counts.

The database is dumped *first*. Files are written before the row that names them
is committed and never change afterwards, so every PDF the dump mentions is on disk
when the folders are copied a moment later; a PDF made in between is merely extra.

The tar holds the signing keys: it is written readable by its owner only (0600), like
every temporary file on the way. ``manage.py restore`` checks every hash — and every
path — before it touches anything, restores only into an empty database, never writes
over a file that differs, and never outside its folders: ``media/`` only into
``MEDIA_ROOT``, ``keys/`` only into ``SIGNING_KEYS_DIR``, a production certificate only
as a ``.p12``/``.pfx`` of its own name at an absolute path without ``..``. Passwords
(``SIGNING_KEY_PASSWORD``, the agencies' certificate variables, ``SECRET_KEY``) are
not in the backup: they stay in the environment of the machine.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.utils.translation import gettext as _

from pledges.models import ArchivalTimestamp, PactDocument, Signature
from roster.models import Agency

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """The backup or the restore cannot go on; the message says why, in Indonesian."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_command(program, settings_dict, *args):
    """A pg_dump/pg_restore call for the database Django uses; the password goes
    through the environment, never the command line. Never through a transaction
    pooler: both set options on their session (``SET``, ``set_config``) that would
    stay on a server connection the app's next transaction may get."""
    if settings.DATABASE_TRANSACTION_POOLING:
        raise BackupError(
            f"{program} perlu sambungan langsung ke PostgreSQL, bukan lewat PgBouncer: jalankan dengan "
            "DATABASE_URL pemilik basis data yang menunjuk PostgreSQL sendiri dan DATABASE_TRANSACTION_POOLING=0."
        )
    command = [program]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command.append(f"{option}={settings_dict[key]}")
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return [*command, *args], env


def _dump_database(directory):
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"Basis data {vendor} tidak didukung.")
    target = directory / DUMPS[vendor]
    _private_file(target).close()  # sqlite3 and pg_dump write into it, keeping its mode
    settings_dict = connection.settings_dict
    if vendor == "sqlite":
        source = sqlite3.connect(f"file:{settings_dict['NAME']}?mode=ro", uri=True)
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)
        source.close()
        destination.close()
    else:
        command, env = _pg_command(
            "pg_dump", settings_dict, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"
        )
        result = subprocess.run([*command, settings_dict["NAME"]], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump gagal: {result.stderr.strip()}")
    return target


def _files_under(root):
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def _private_file(path):
    """``path`` opened for writing, created — or truncated and made — readable by its owner only."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(handle, 0o600)  # an older file keeps its mode through O_CREAT
    return os.fdopen(handle, "wb")


def create_backup(target):
    """Write the backup tar to ``target`` (mode 0600: it holds the signing keys); returns its manifest."""
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(_("Folder tujuan cadangan tidak ada: %(folder)s") % {"folder": target.parent})
    partial = target.with_name(target.name + ".partial")
    try:
        manifest = _write_backup(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return manifest


def _write_backup(partial):
    files, certificates = {}, {}
    with tempfile.TemporaryDirectory(prefix="netralitas-backup-") as scratch, _private_file(partial) as output:
        dump = _dump_database(Path(scratch))
        counts = {
            "signatures": Signature.objects.count(),
            "pdfs": PactDocument.objects.count(),
            "archival_timestamps": ArchivalTimestamp.objects.count(),
            "agencies": Agency.objects.count(),
        }
        with tarfile.open(fileobj=output, mode="w") as archive:
            members = [(dump, dump.name)]
            if _media_on_disk():
                members += [
                    (path, f"media/{path.relative_to(settings.MEDIA_ROOT)}")
                    for path in _files_under(settings.MEDIA_ROOT)
                ]
            else:
                for name in _stored_names():
                    with default_storage.open(name, "rb") as handle:
                        data = handle.read()
                    files[f"media/{name}"] = hashlib.sha256(data).hexdigest()
                    info = tarfile.TarInfo(f"media/{name}")
                    info.size, info.mode = len(data), 0o600
                    info.mtime = int(datetime.datetime.now().timestamp())
                    archive.addfile(info, fileobj=io.BytesIO(data))
            keys_dir = Path(settings.SIGNING_KEYS_DIR)
            members += [(path, f"keys/{path.relative_to(keys_dir)}") for path in _files_under(keys_dir)]
            for agency in Agency.objects.exclude(certificate_path="").order_by("pk"):
                path = Path(agency.certificate_path)
                if path.is_file() and keys_dir not in path.parents:
                    name = f"certificates/{agency.pk}/{path.name}"
                    members.append((path, name))
                    certificates[name] = str(path)
            for path, name in members:
                files[name] = _sha256(path)
                archive.add(path, arcname=name, recursive=False)
            manifest = {
                "format": FORMAT,
                "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "vendor": connection.vendor,
                "database": dump.name,
                "counts": counts,
                "files": files,
                "certificates": certificates,
            }
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.datetime.now().timestamp())
            archive.addfile(info, fileobj=io.BytesIO(data))
    return manifest


def _media_on_disk():
    return isinstance(default_storage, FileSystemStorage)


def _stored_names(folder=""):
    """Every file's name in the default storage (object storage: every object)."""
    folders, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}{name}"
    for sub in folders:
        yield from _stored_names(f"{folder}{sub}/")


@dataclass(frozen=True)
class _Stored:
    """Where a backed-up media file goes when the files live in object storage: its name."""

    name: str

    def exists(self):
        return default_storage.exists(self.name)

    def sha256(self):
        with default_storage.open(self.name, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    def put(self, source):
        saved = default_storage.save(self.name, ContentFile(source.read_bytes()))
        if saved != self.name:
            raise BackupError(f"{self.name} tidak dapat dipulihkan dengan namanya sendiri (tersimpan sebagai {saved}).")


def _read_archive(archive_path, scratch):
    """Extract the backup and check it against its manifest; the manifest."""
    try:
        with tarfile.open(archive_path, "r") as archive:
            archive.extractall(scratch, filter="data")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"Berkas cadangan tidak dapat dibaca: {error}") from None
    try:
        manifest = json.loads((scratch / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError("Berkas cadangan tidak berisi manifest.json yang sah.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format cadangan {manifest.get('format')} tidak dikenal.")
    present = {str(path.relative_to(scratch)) for path in scratch.rglob("*") if path.is_file()} - {MANIFEST}
    if present != set(manifest["files"]):
        raise BackupError("Isi berkas cadangan tidak sama dengan daftarnya di manifest.json.")
    for name, expected in manifest["files"].items():
        if _sha256(scratch / name) != expected:
            raise BackupError(f"Berkas {name} di dalam cadangan rusak (SHA-256 tidak cocok).")
    return manifest


def _placements(manifest, scratch):
    """``[(source in the extracted backup, where it goes)]`` for every file but the dump.
    Raises BackupError — before anything is written — for a name or a destination
    outside its folders (a crafted manifest)."""
    media, keys = Path(settings.MEDIA_ROOT), Path(settings.SIGNING_KEYS_DIR)
    certificates = manifest.get("certificates") or {}
    if manifest.get("database") != DUMPS.get(manifest.get("vendor")):
        raise _outside(manifest.get("database"))
    placements = []
    for name in manifest["files"]:
        if name == manifest["database"]:
            continue
        if name.startswith("media/"):
            destination = _inside(media, name.removeprefix("media/"), name)
            if not _media_on_disk():
                destination = _Stored(name.removeprefix("media/"))
        elif name.startswith("keys/"):
            destination = _inside(keys, name.removeprefix("keys/"), name)
        elif name in certificates:
            destination = _certificate_destination(name, certificates[name])
        else:
            raise _outside(name)
        placements.append((scratch / name, destination))
    if set(certificates) - set(manifest["files"]):
        raise _outside(sorted(set(certificates) - set(manifest["files"]))[0])
    return placements


def _inside(folder, relative, name):
    """``folder / relative`` when it stays inside ``folder`` (no ``..``, no absolute part)."""
    destination = folder / relative
    parts = Path(relative).parts
    if not relative or Path(relative).is_absolute() or ".." in parts:
        raise _outside(name)
    if not destination.resolve().is_relative_to(folder.resolve()):
        raise _outside(name)
    return destination


def _certificate_destination(name, path):
    """An agency's production PKCS#12 goes back where it was — as a ``.p12``/``.pfx`` file
    of the name it was archived under (``certificates/<agency id>/<name>``), at an
    absolute path without ``..``; never anywhere a manifest cares to name."""
    prefix, agency, file_name = (name.split("/", 2) + ["", ""])[:3]
    destination = Path(str(path))
    if (
        prefix != "certificates"
        or not agency.isascii()
        or not agency.isdigit()
        or not destination.is_absolute()
        or ".." in destination.parts
        or destination.name != file_name
        or destination.suffix.lower() not in (".p12", ".pfx")
    ):
        raise _outside(name, str(path))
    return destination


def _outside(name, path=None):
    return BackupError(
        _(
            "Cadangan ditolak: %(name)s akan ditulis di luar foldernya (%(path)s). Daftar di manifest.json telah "
            "diubah; tidak ada yang dipulihkan."
        )
        % {"name": name, "path": path or "-"}
    )


def restore_backup(archive_path):
    """Restore a backup into this installation's empty database and folders; the manifest."""
    with tempfile.TemporaryDirectory(prefix="netralitas-restore-") as scratch:
        scratch = Path(scratch)
        manifest = _read_archive(archive_path, scratch)
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"Cadangan ini dari basis data {manifest['vendor']}; aplikasi memakai {connection.vendor}."
            )
        placements = _placements(manifest, scratch)
        if connection.introspection.table_names():
            raise BackupError("Basis data tujuan tidak kosong. Pulihkan ke basis data baru yang kosong.")
        for source, destination in placements:
            if destination.exists() and _sha256_of(destination) != _sha256(source):
                raise BackupError(f"{destination} sudah ada dengan isi lain; tidak ditimpa.")
        _restore_database(scratch / manifest["database"])
        keys_dir = Path(settings.SIGNING_KEYS_DIR)
        for source, destination in placements:
            if destination.exists():
                continue
            if isinstance(destination, _Stored):
                destination.put(source)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            if keys_dir in destination.parents or destination.suffix.lower() in (".p12", ".pfx"):
                with open(source, "rb") as data, _private_file(destination) as out:  # 0600 from the first byte
                    shutil.copyfileobj(data, out)
                times = os.stat(source)
                os.utime(destination, ns=(times.st_atime_ns, times.st_mtime_ns))
            else:
                shutil.copy2(source, destination)
    return manifest


def _sha256_of(destination):
    return destination.sha256() if isinstance(destination, _Stored) else _sha256(destination)


def _restore_database(dump):
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.close()
        source = sqlite3.connect(dump)
        destination = sqlite3.connect(settings_dict["NAME"])
        with destination:
            source.backup(destination)
        source.close()
        destination.close()
        return
    command, env = _pg_command(
        "pg_restore",
        settings_dict,
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={settings_dict['NAME']}",
    )
    result = subprocess.run([*command, str(dump)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore gagal: {result.stderr.strip()}")
