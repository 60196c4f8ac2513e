"""Backup, wipe, restore: every signature, PDF, archival copy, logo and key comes back
hash for hash and verifies intact; the storage check names what is missing or
altered; a missing PDF is a clear page and a manifest line, never a 500 or a
broken ZIP."""

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import zipfile

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db import connections as db_connections
from django.urls import reverse

from pledges.models import ArchivalTimestamp, PactDocument, Signature
from pledges.pdf.certificates import certificate_path
from tests import pki
from tests import stored as stored_files
from tests.pgbouncer import straight_to_the_database
from tests.postgres import throwaway_database


@pytest.fixture(scope="module", autouse=True)
def _owner_connection(django_db_setup, django_db_blocker):
    """Backup and restore are the owner's, straight to PostgreSQL (they refuse a pooler)."""
    with django_db_blocker.unblock(), straight_to_the_database(connection):
        with django_db_blocker.block():
            yield


def signature_rows(cursor):
    cursor.execute("SELECT verification_code, text_sha256, image_sha256, text_format FROM pledges_signature ORDER BY 1")
    return cursor.fetchall()


def document_rows(cursor):
    cursor.execute("SELECT file, sha256, size, seal_level FROM pledges_pactdocument ORDER BY 1")
    return cursor.fetchall()


def file_hashes(root):
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def restore_target(tmp_path, settings):
    """A fresh installation: an empty database and empty folders (or an empty prefix of
    the bucket), for manage.py, and a storage that reads its stored files back."""
    root = tmp_path / "baru"
    storage_env, storage = stored_files.elsewhere(settings, tmp_path)

    def environment(database_url):
        return {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "netralitas.settings",
            "SECRET_KEY": "restore-test",
            "NETRALITAS_DATA_DIR": str(root),
            "SIGNING_KEYS_DIR": str(root / "keys"),
            **storage_env,
            "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "DATABASE_TRANSACTION_POOLING": "0",  # the owner restores straight to PostgreSQL
        }

    if connection.vendor == "postgresql":
        with throwaway_database("restore") as url:
            yield root, url, environment(url), storage
    else:
        url = f"sqlite:///{tmp_path / 'baru.sqlite3'}"
        yield root, url, environment(url), storage


def in_own_thread(function):
    """Run ``function`` in a thread of its own. In a transactional test after a browser
    test, Playwright's sync API (tests/browser) leaves its event loop marked running in
    the main thread, and pyHanko starts one of its own with ``asyncio.run()``."""
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed back to the test's thread
            outcome["error"] = error
        finally:
            db_connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


AFTER_RESTORE = """
from django.core.management import call_command
from django.core.management.base import CommandError
call_command("restore", "{archive}")
call_command("check_storage")
call_command("check_guards")
try:
    call_command("restore", "{archive}")
except CommandError as refused:
    print("DITOLAK:", refused)
"""


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_is_hash_exact(world, sign, tsa, tmp_path, restore_target, settings, monkeypatch):
    # The evidence: three pacts with PDFs, one archival copy, a logo, development keys,
    # and agencies whose production certificates live outside the keys folder (A's from
    # the local PKI: an archival copy must validate, revocation data and all).
    world.certify()
    settings.SIGNING_TRUST_ROOTS = [str(tsa.root_pem)]
    world.agency_a.certificate_path = str(tsa.agency_p12)
    world.agency_a.certificate_password_env = "SEGEL_PKI_UJI"
    world.agency_a.save()
    monkeypatch.setenv("SEGEL_PKI_UJI", pki.P12_PASSWORD)

    def make_evidence():
        for invitation in world.invitations_a[:3]:
            sign(invitation, pdf=True)
        call_command("add_archival_timestamps", "--limit", "1", stdout=io.StringIO())

    in_own_thread(make_evidence)
    world.agency_a.logo.save("lambang.png", ContentFile(b"\x89PNG lambang"))
    production = tmp_path / "bsre" / "segel-bandung.p12"
    production.parent.mkdir()
    shutil.copy(certificate_path(world.agency_b), production)
    world.agency_b.certificate_path = str(production)
    world.agency_b.certificate_password_env = "SIGNING_KEY_PASSWORD"
    world.agency_b.save()
    production_bytes = production.read_bytes()
    with connection.cursor() as cursor:
        signatures, documents = signature_rows(cursor), document_rows(cursor)
    media, keys = stored_files.hashes(), file_hashes(settings.SIGNING_KEYS_DIR)
    assert len(signatures) == 3 and len(documents) == 3 and len(media) == 5  # 3 PDFs, 1 archival copy, 1 logo

    archive = tmp_path / "cadangan.tar"
    out = io.StringIO()
    in_own_thread(lambda: call_command("backup", str(archive), stdout=out))
    assert "3 tanda tangan, 3 PDF, 1 stempel waktu arsip, 2 instansi" in out.getvalue()
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds the signing keys

    # Wipe: the folders and the production certificate are gone; the new server is empty.
    stored_files.wipe()
    shutil.rmtree(settings.SIGNING_KEYS_DIR)
    production.unlink()
    root, url, env, restored_storage = restore_target
    # On the new server, as its administrator would: restore, check the storage and the
    # guards, try to restore again (one process for the four commands, to keep it quick).
    result = manage(env, "shell", "-c", AFTER_RESTORE.format(archive=archive))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 tanda tangan, 3 PDF, 1 stempel waktu arsip, 2 instansi" in result.stdout
    # Every PDF against its recorded hash, every signature "intact", every guard in place.
    assert "PDF pakta: 3 diperiksa, 3 utuh, 0 hilang, 0 berubah." in result.stdout
    assert "Stempel waktu arsip: 1 diperiksa, 1 utuh, 0 hilang, 0 berubah." in result.stdout
    assert "Tanda tangan: 3 diperiksa, 0 tidak utuh" in result.stdout
    assert "Penyimpanan utuh." in result.stdout and "Semua penjaga terpasang." in result.stdout
    # Restoring twice is refused: the database is no longer empty.
    assert "DITOLAK: Basis data tujuan tidak kosong" in result.stdout

    if connection.vendor == "postgresql":
        with psycopg.connect(url) as restored:
            cursor = restored.cursor()
            assert signature_rows(cursor) == signatures and document_rows(cursor) == documents
    else:
        restored = sqlite3.connect(url.removeprefix("sqlite:///"))
        cursor = restored.cursor()
        assert signature_rows(cursor) == signatures and document_rows(cursor) == documents
        restored.close()
    assert stored_files.hashes(restored_storage) == media
    assert file_hashes(root / "keys") == keys
    assert production.read_bytes() == production_bytes  # back where the agency points
    assert production.stat().st_mode & 0o777 == 0o600
    assert {path.stat().st_mode & 0o777 for path in (root / "keys").rglob("*") if path.is_file()} == {0o600}


@pytest.mark.django_db
def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path, world, sign):
    world.certify()
    sign(world.invitations_a[0], pdf=True)
    archive = tmp_path / "cadangan.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    damaged = tmp_path / "rusak.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/pacts/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="rusak \\(SHA-256 tidak cocok\\)"):
        call_command("restore", str(damaged))
    with pytest.raises(CommandError, match="Basis data tujuan tidak kosong"):
        call_command("restore", str(archive))


@pytest.mark.django_db
def test_the_backup_is_written_for_its_owner_only(tmp_path, world, sign):
    """The tar holds the signing keys: 0600 whatever the umask, and whatever a leftover
    partial file of a crashed run allowed; a missing folder is a sentence, no file left."""
    world.certify()
    sign(world.invitations_a[0], pdf=True)
    archive = tmp_path / "cadangan.tar"
    leftover = tmp_path / "cadangan.tar.partial"
    leftover.write_bytes(b"sisa")
    leftover.chmod(0o644)
    previous = os.umask(0o022)
    try:
        call_command("backup", str(archive), stdout=io.StringIO())
        with pytest.raises(CommandError, match="Folder tujuan cadangan tidak ada"):
            call_command("backup", str(tmp_path / "tidak-ada" / "cadangan.tar"), stdout=io.StringIO())
    finally:
        os.umask(previous)
    assert archive.stat().st_mode & 0o777 == 0o600
    assert not leftover.exists() and not (tmp_path / "tidak-ada").exists()
    with tarfile.open(archive) as backup:
        assert any(name.startswith("keys/") for name in backup.getnames())


def crafted(archive, target, *, files=None, database=None, certificates=None, extra=()):
    """``archive`` with its manifest changed as an attacker would (extra members added)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        manifest = json.loads(source.extractfile("manifest.json").read())
        for member in source.getmembers():
            if member.name != "manifest.json":
                out.addfile(member, source.extractfile(member))
        for name, data in extra:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
            manifest["files"][name] = hashlib.sha256(data).hexdigest()
        manifest["files"].update(files or {})
        manifest["database"] = database or manifest["database"]
        manifest["certificates"] = certificates if certificates is not None else manifest["certificates"]
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    return target


@pytest.mark.django_db
def test_a_manifest_naming_paths_outside_the_folders_is_refused_and_nothing_written(tmp_path, world, sign, settings):
    world.certify()
    sign(world.invitations_a[0], pdf=True)
    archive = tmp_path / "cadangan.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    outside = tmp_path / "luar"
    outside.mkdir()
    key = [("certificates/1/segel.p12", b"kunci")]
    crafts = {
        "absolute path": {"extra": key, "certificates": {key[0][0]: str(outside / "cron-job")}},
        "another file name": {"extra": key, "certificates": {key[0][0]: str(outside / "lain.p12")}},
        "dot-dot": {"extra": key, "certificates": {key[0][0]: f"{settings.MEDIA_ROOT}/../luar/segel.p12"}},
        "relative path": {"extra": key, "certificates": {key[0][0]: "segel.p12"}},
        "not under certificates": {"extra": [("etc/segel.p12", b"kunci")], "certificates": {"etc/segel.p12": "/x.p12"}},
        "a folder of its own": {"extra": [("bin/netralitas", b"#!/bin/sh\n")]},
        "the database elsewhere": {"database": "media/../database.sqlite3"},
        "a certificate not in the archive": {"certificates": {"certificates/9/x.p12": str(outside / "x.p12")}},
    }
    before = file_hashes(settings.MEDIA_ROOT), file_hashes(settings.SIGNING_KEYS_DIR)
    for case, changes in crafts.items():
        with pytest.raises(CommandError) as refused:
            call_command("restore", str(crafted(archive, tmp_path / f"{case.replace(' ', '-')}.tar", **changes)))
        assert "akan ditulis di luar foldernya" in str(refused.value), (case, str(refused.value))
        assert list(outside.iterdir()) == [], case
    assert (file_hashes(settings.MEDIA_ROOT), file_hashes(settings.SIGNING_KEYS_DIR)) == before
    assert not (settings.BASE_DIR / "bin" / "netralitas").exists()


@pytest.fixture
def stored(world, sign):
    """Agency A's three pacts with PDFs; the first PDF then vanishes from storage."""
    world.certify()
    signatures = [sign(invitation, pdf=True) for invitation in world.invitations_a[:3]]
    stored_files.remove(signatures[0].document.file.name)
    world.gone, world.kept = signatures[0], signatures[1:]
    return world


@pytest.mark.django_db
def test_storage_check_names_missing_and_altered_files(stored, capsys):
    stored_files.flip_one_byte(stored.kept[0].document.file.name)
    for quick in (False, True):
        with pytest.raises(SystemExit) as exit_code:
            call_command("check_storage", *(["--cepat"] if quick else []))
        assert exit_code.value.code == 1
        out = capsys.readouterr().out
        assert f"HILANG: {stored.gone.document.file.name} (kode {stored.gone.display_code})" in out
        if not quick:  # same size: only the hash tells
            assert f"BERUBAH: {stored.kept[0].document.file.name}" in out
            assert "PDF pakta: 3 diperiksa, 1 utuh, 1 hilang, 1 berubah." in out


@pytest.mark.django_db
def test_a_missing_pdf_is_a_clear_page_not_an_error(client, stored):
    code = stored.gone.verification_code
    response = client.get(reverse("pledges:document", args=[stored.gone.invitation.token]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "PDF pakta tidak ditemukan." in html and stored.gone.display_code in html
    verification = client.get(reverse("pledges:verify", args=[code])).content.decode()
    assert "PDF pakta tidak ditemukan." in verification and "Asli dan utuh" not in verification
    client.force_login(stored.auditor_a)
    response = client.get(reverse("inspektorat:pact_pdf", args=[stored.gone.pk]))
    assert response.status_code == 404 and "PDF pakta tidak ditemukan." in response.content.decode()
    english = client.get(
        reverse("pledges:document", args=[stored.gone.invitation.token]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "The pact PDF was not found." in english


@pytest.mark.django_db
def test_the_zip_lists_a_missing_pdf_in_its_manifest(client, stored):
    client.force_login(stored.auditor_a)
    response = client.get(reverse("inspektorat:ceremony_zip", args=[stored.ceremony_a.pk]))
    body = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert len(pdfs) == 2
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    (gone,) = [row for row in rows if row["Kode verifikasi"] == stored.gone.display_code]
    assert gone["Berkas"] == "" and gone["SHA-256"] == stored.gone.document.sha256
    assert gone["Status PDF"] == "HILANG"
    assert gone["Catatan"].startswith("Berkas PDF tidak ada di penyimpanan")
    assert not ArchivalTimestamp.objects.exists() and PactDocument.objects.count() == 3
    assert Signature.objects.count() == 3
