"""Guards on the project itself: checks, migrations, demo data, translations."""

import io
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from ceremonies.models import Ceremony, Election, Invitation
from pledges.models import PactTemplate
from roster.models import Agency, Employee, StaffProfile
from roster.nip import validate_nip


def test_system_check_is_clean():
    out = io.StringIO()
    call_command("check", "--fail-level", "WARNING", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.django_db
def test_no_missing_migrations():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, verbosity=1)
    except SystemExit:
        pytest.fail("A model change has no migration; run makemigrations. It would write:\n" + out.getvalue())


@pytest.mark.django_db
def test_demo_data_loads_and_is_valid():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "5 instansi" in out.getvalue()
    assert set(Agency.objects.values_list("short_name", flat=True)) == {
        "Pemkot Bukittinggi",
        "Pemkot Bandung",
        "Pemprov Sumbar",
        "Pemko Tanjungpinang",
        "Pemkot Sukabumi",
    }
    assert set(Election.objects.values_list("short_name", flat=True)) == {"Pemilu 2024", "Pilkada 2024"}
    assert Ceremony.objects.count() == 5
    assert Employee.objects.count() >= 30
    for employee in Employee.objects.exclude(nip=None):
        assert validate_nip(employee.nip, employee.employment_type) == employee.nip
        employee.full_clean()
    assert Invitation.objects.count() == Employee.objects.filter(is_active=True).count()
    pact = PactTemplate.objects.get(code="netralitas-asn")
    rendered = pact.render(Election.objects.get(short_name="Pilkada 2024"))
    assert len(rendered["points"]) == 4
    assert "Pemilihan Kepala Daerah Tahun 2024" in rendered["points"][0]
    assert {p.role for p in StaffProfile.objects.all()} == {"operator", "auditor"}

    # A second run (every `make run`) changes nothing.
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "tidak dimuat ulang" in out.getvalue()
    assert Ceremony.objects.count() == 5


def test_every_locale_compiles_and_is_complete(tmp_path):
    catalogs = sorted((settings.BASE_DIR / "locale").glob("*/LC_MESSAGES/*.po"))
    assert catalogs, "no translation catalogs shipped"
    for po in catalogs:
        subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(po)], check=True)
        for flag in ("--untranslated", "--only-fuzzy"):
            leftover = subprocess.run(
                ["msgattrib", flag, "--no-obsolete", str(po)], check=True, capture_output=True, text=True
            ).stdout
            assert leftover == "", f"{po}: {flag[2:]} entries:\n{leftover[:2000]}"


def test_every_marked_string_has_an_english_translation(tmp_path):
    """Run makemessages on a copy of the project: nothing may come out untranslated,
    so a string added to the code without its translation fails here."""
    import os
    import shutil
    import sys

    root = settings.BASE_DIR
    copy = tmp_path / "project"
    copy.mkdir()
    for entry in root.iterdir():
        if entry.name.startswith(".") or entry.name in {"data", "tests", "bench", "test-artifacts", "static"}:
            continue
        if entry.is_dir():
            shutil.copytree(entry, copy / entry.name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy2(entry, copy / entry.name)
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "netralitas.settings"}
    env["NETRALITAS_DATA_DIR"] = str(tmp_path / "data")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location", "--verbosity=0"],
        cwd=copy,
        env=env,
        check=True,
    )
    po = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    for flag in ("--untranslated", "--only-fuzzy"):
        leftover = subprocess.run(
            ["msgattrib", flag, "--no-obsolete", str(po)], check=True, capture_output=True, text=True
        ).stdout
        assert leftover == "", f"{flag[2:]} strings:\n{leftover[:3000]}"


def test_english_catalog_is_compiled_and_used():
    with translation.override("en"):
        assert translation.gettext("Masuk untuk staf") == "Staff sign-in"
    with translation.override("id"):
        assert translation.gettext("Masuk untuk staf") == "Masuk untuk staf"


@pytest.mark.django_db
def test_home_and_admin_are_served(client, django_user_model):
    call_command("load_demo", stdout=io.StringIO())
    response = client.get("/")
    assert response.status_code == 200
    assert "Pakta Integritas Netralitas ASN" in response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]

    client.force_login(django_user_model.objects.get(username="admin"))
    for url in [
        "/admin/",
        "/admin/roster/employee/",
        "/admin/roster/agency/",
        "/admin/ceremonies/ceremony/",
        "/admin/pledges/pacttemplate/",
        "/admin/pledges/signature/",
        "/admin/roster/employee/import/",
        "/admin/roster/employee/export/",
    ]:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_admin_sections_are_named_in_indonesian(admin_client):
    """Every app with models has an Indonesian section header, third-party ones too."""
    from django.apps import apps

    html = admin_client.get("/admin/").content.decode()
    for app in apps.get_app_configs():
        if any(True for _model in app.get_models()) and app.label not in {"auth"}:
            assert app.verbose_name != app.label.title(), f"{app.label} has no verbose_name"
    for section in [
        "Apel dan undangan",
        "Pakta dan tanda tangan",
        "Instansi dan pegawai",
        "Jejak audit",
        "Antrean tugas latar",
        "Pekerjaan latar belakang",
    ]:
        assert f">{section}</a>" in html, section
    for english in ["Ceremonies", "Pledges", "Tasks Database Backend", "Roster", ">Audit<"]:
        assert english not in html, english


def test_the_browser_language_chooses_the_page_language(client):
    """Indonesian by default; English when the browser asks for it or the visitor
    chose it (LocaleMiddleware and the language switch)."""
    assert "Masuk untuk staf" in client.get("/akun/login/").content.decode()
    assert "Masuk untuk staf" in client.get("/akun/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    response = client.get("/akun/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Staff sign-in" in response.content.decode()
    assert response["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Staff sign-in" in client.get("/akun/login/").content.decode()


def test_the_dsa_deprecation_warning_is_silenced_where_it_starts_and_only_there(tmp_path):
    """pyHanko and certomancer import cryptography's deprecated DSA types: no command, no
    gunicorn worker and no pytest run prints it — and a DSA use of our own still would."""
    import os
    import sys

    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTHONWARNINGS"))}
    env.update(
        DJANGO_SETTINGS_MODULE="netralitas.settings",
        SECRET_KEY="tests-only-not-secret",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    def output(*args):
        result = subprocess.run([sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
        return result.stdout + result.stderr

    started = "import django; django.setup(); import pyhanko.sign.signers.pdf_cms, certomancer.registry; "
    assert "no issues" in (check := output("manage.py", "check")) and "DSA" not in check, check
    assert "DSA" not in output("-c", started + "import netralitas.wsgi")
    collected = output("-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "tests/pledges/test_long_term.py")
    assert "test_" in collected and "DSA" not in collected, collected
    ours = output("-c", started + "from cryptography.hazmat.primitives.asymmetric import dsa; dsa.DSAPrivateKey")
    assert "DSA is deprecated" in ours


def test_no_merge_conflict_is_left_in_the_tree():
    """A merge whose conflict markers were committed (it happened once, in a doc)."""
    import re

    root = settings.BASE_DIR
    markers = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
    leftovers = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or parts[0] in {".venv", ".git", "data", "node_modules", "test-artifacts"}:
            continue
        if path.suffix not in {".py", ".md", ".html", ".txt", ".po", ".css", ".js", ".toml", ".cfg", ".ini", ".lua"}:
            continue
        if markers.search(path.read_text(errors="replace")):
            leftovers.append(str(path.relative_to(root)))
    assert not leftovers, leftovers
