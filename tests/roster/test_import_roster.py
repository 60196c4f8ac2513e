"""``manage.py import_roster`` answers every bad file or argument with one Indonesian
sentence and exit status 1 — never a traceback, never a job left "running"."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jobs.models import Job
from roster.models import Employee
from tests import factories
from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
GOOD = b"NIP,Nama\n198001012005011001,Budi Santoso\n"


@pytest.fixture
def agency(db):
    return factories.agency()


def bad_files(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    os.mkfifo(tmp_path / "pipa.csv")
    files = {
        "empty": (b"", "kosong.csv"),
        "blank": (b" \n\n", "kosong2.csv"),
        "shift-jis": ("NIP,Nama\n198001012005011001,山田\n".encode("shift_jis"), "sjis.csv"),
        "xlsx that is no zip": (b"NIP,Nama\n", "teks.xlsx"),
        "broken zip": (b"PK\x03\x04 rusak", "rusak.xlsx"),
        "old excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "lama.xlsx"),
        "pdf": (b"%PDF-1.7", "dokumen.pdf"),
    }
    for data, name in files.values():
        (tmp_path / name).write_bytes(data)
    return {key: str(tmp_path / name) for key, (_data, name) in files.items()} | {
        "missing": str(tmp_path / "tidak-ada.csv"),
        "folder": str(tmp_path / "folder.csv"),
        "pipe": str(tmp_path / "pipa.csv"),
        "nul in the name": str(tmp_path / "a\x00.csv"),
    }


CASES = {
    "empty": "Berkas kosong",
    "blank": "Berkas kosong",
    "shift-jis": "Berkas CSV bukan UTF-8/UTF-16/Windows-1252",
    "xlsx that is no zip": "bukan Excel .xlsx",
    "broken zip": "rusak atau tidak lengkap",
    "old excel": "format Excel lama (.xls)",
    "pdf": "Unggah berkas .xlsx (Excel) atau .csv",
    "missing": "Berkas tidak ditemukan",
    "folder": "adalah folder, bukan berkas",
    "pipe": "bukan berkas biasa",
    "nul in the name": "Berkas tidak ditemukan",
}


@pytest.mark.parametrize("case", CASES)
def test_every_bad_file_gets_a_sentence_and_status_1(agency, tmp_path, case):
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(agency.pk), bad_files(tmp_path)[case])
    assert refused.value.returncode == 1
    assert CASES[case] in str(refused.value), str(refused.value)
    assert not Job.objects.exclude(status=Job.Status.FAILED).exists()


@pytest.mark.parametrize(
    "agency_id, words",
    [
        ("abc", "ID_INSTANSI harus berupa angka"),
        ("-1", "ID_INSTANSI harus berupa angka"),
        ("٣", "ID_INSTANSI harus berupa angka"),  # an Arabic-Indic digit is a digit to Python
        ("999999", "Instansi dengan id 999999 tidak ada"),
        ("99999999999999999999999", "tidak ada"),
    ],
)
def test_a_wrong_agency_id_is_named(agency, tmp_path, agency_id, words):
    path = tmp_path / "ok.csv"
    path.write_bytes(GOOD)
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", agency_id, str(path))
    assert refused.value.returncode == 1 and words in str(refused.value)
    assert not Job.objects.exists()


def test_a_file_too_big_is_refused_before_it_is_read(agency, tmp_path, settings):
    settings.ROSTER_MAX_MB = 1
    path = tmp_path / "besar.csv"
    with open(path, "wb") as handle:
        handle.truncate(2 * 1024 * 1024)
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(agency.pk), str(path))
    assert "paling besar 1 MB" in str(refused.value) and not Job.objects.exists()


def run(*args):
    """``manage.py import_roster`` as a shell runs it (production settings, the test database)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "netralitas.settings",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "tests-only-not-secret",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "import_roster", *args], cwd=ROOT, env=env, capture_output=True, timeout=120
    )


@pytest.mark.django_db(transaction=True)
def test_from_a_shell_no_traceback_and_status_1(tmp_path):
    agency = factories.agency()
    good = tmp_path / "ok.csv"
    good.write_bytes(GOOD)
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes("NIP,Nama\n198001012005011001,山田\n".encode("shift_jis"))
    for args, words in [
        ((), "ID_INSTANSI dan BERKAS wajib diisi"),
        (("abc", str(good)), "ID_INSTANSI harus berupa angka"),
        ((str(agency.pk), str(good), "--dryrun"), "Argumen tidak dikenal: --dryrun"),
        ((str(agency.pk), str(sjis)), "Berkas CSV bukan UTF-8/UTF-16/Windows-1252"),
        ((str(agency.pk), str(tmp_path)), "adalah folder, bukan berkas"),
    ]:
        result = run(*args)
        stderr = result.stderr.decode()
        assert result.returncode == 1, (args, stderr)
        assert "Traceback" not in stderr and "usage:" not in stderr and "error:" not in stderr, stderr
        assert "CommandError: " in stderr and words in stderr, stderr

    # A file name that is no UTF-8 (the shell hands it over as it is): imported, named with "�".
    odd = os.path.join(os.fsencode(tmp_path), b"pegawai-\xff.csv")
    with open(odd, "wb") as handle:
        handle.write(GOOD)
    result = run(str(agency.pk), os.fsdecode(odd))
    assert result.returncode == 0, result.stderr.decode()
    assert b"Impor selesai: 1 baru" in result.stdout
    assert Employee.objects.get().name == "Budi Santoso"
    assert set(Job.objects.values_list("status", "title")) == {
        ("done", "Pratinjau impor pegawai-\ufffd.csv"),
        ("done", "Impor pegawai-\ufffd.csv"),
    }
    assert not Job.objects.exclude(status__in=["done", "failed"]).exists()
