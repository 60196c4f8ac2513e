"""Migrations never lose a guard: a field added to each guarded model the ordinary
way (edit the model, ``makemigrations``, ``migrate``) on a throw-away copy of the
project migrates, keeps every row, and the guards still refuse UPDATE and DELETE.

Runs on the database the suite runs on (CI runs the suite on SQLite and on
PostgreSQL): SQLite is where Django rebuilds the table and a guard used to vanish.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.postgres import throwaway_database

# The project package, every app of ours (a folder with apps.py) and manage.py.
COPIED = tuple(
    dict.fromkeys(  # the project package has an apps.py too
        [
            "netralitas",
            "manage.py",
            *sorted(path.name for path in Path(settings.BASE_DIR).iterdir() if (path / "apps.py").exists()),
        ]
    )
)
GUARDED = {
    # model file: (class, table)
    "pledges/models.py": [
        ("PactTemplate", "pledges_pacttemplate"),
        ("Signature", "pledges_signature"),
        ("PactDocument", "pledges_pactdocument"),
        ("ArchivalTimestamp", "pledges_archivaltimestamp"),
    ],
    "audit/models.py": [("AuditEvent", "audit_auditevent")],
}
NEW_FIELDS = (
    '    nota_uji = models.CharField("nota uji", max_length=40, blank=True, default="")\n'
    '    dicek_pada = models.DateTimeField("dicek pada", null=True, blank=True)\n\n'
)

SETUP = """
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from audit.models import AuditEvent
from ceremonies.models import Ceremony, Election, Invitation
from pledges import pact_text
from pledges.models import ArchivalTimestamp, PactDocument, PactTemplate, Signature
from roster.models import Agency, Employee

call_command("migrate", verbosity=0)
agency = Agency.objects.create(name="Pemerintah Kota Uji", short_name="Pemkot Uji", kind="city", place_name="Uji")
election = Election.objects.create(name="Pilkada 2024", short_name="Pilkada", kind="pilkada", voting_date="2024-11-27")
template = PactTemplate.objects.create(
    code="pakta", title="PAKTA", opening="Saya:", points="satu\\ndua", closing="Demikian."
)
ceremony = Ceremony.objects.create(
    agency=agency, election=election, pact_template=template, starts_at=timezone.now(), place="Balai", leader="Sekda"
)
employee = Employee.objects.create(agency=agency, nip="198001012005011001", name="Budi")
invitation = Invitation.objects.create(ceremony=ceremony, employee=employee)
draft = pact_text.draft(invitation)
signature = Signature.from_draft(invitation, draft, image_png=b"png", method="link", signed_at=timezone.now())
signature.save()
document = PactDocument.objects.create(signature=signature, file="pacts/uji.pdf", sha256="0" * 64, size=1)
ArchivalTimestamp.objects.create(
    document=document, file="pacts/uji-lta.pdf", sha256="1" * 64, size=2, stamped_at=timezone.now(),
    expires_at=timezone.now(),
)
AuditEvent.objects.create(action="view", object_type="uji", description="asli")
print("SETUP OK")
"""

CHANGE = """
import django
django.setup()
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from netralitas.lib.dbguard import missing_guards
from pledges.models import Signature

call_command("makemigrations", "pledges", "audit", verbosity=1)
call_command("migrate", verbosity=0)
assert missing_guards(connection) == [], missing_guards(connection)
for table in TABLES:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] == 1, table
        for statement in (f"UPDATE {table} SET nota_uji = 'diubah'", f"DELETE FROM {table}"):
            try:
                with transaction.atomic():
                    cursor.execute(statement)
            except IntegrityError:
                pass
            else:
                raise AssertionError(f"not refused: {statement}")
assert Signature.objects.get().is_intact()
print("CHANGE OK")
"""


def copy_project(target):
    for name in COPIED:
        source = settings.BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "locale"))
        else:
            shutil.copy2(source, target / name)


def add_fields(model_file, classes):
    source = model_file.read_text()
    for class_name, _table in classes:
        start = source.index(f"\nclass {class_name}(")
        meta = source.index("\n    class Meta:", start)
        source = source[: meta + 1] + NEW_FIELDS + source[meta + 1 :]
    model_file.write_text(source)


def run(script, copy, env):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=copy, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def database_url(tmp_path):
    if connection.vendor == "postgresql":
        with throwaway_database("migcopy") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'copy.sqlite3'}"


def test_a_field_added_to_every_guarded_model_keeps_the_guards(tmp_path, database_url):
    copy = tmp_path / "project"
    copy.mkdir()
    copy_project(copy)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "netralitas.settings",
        "SECRET_KEY": "migration-test",
        "NETRALITAS_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(copy),
    }
    assert "SETUP OK" in run(SETUP, copy, env)

    for model_file, classes in GUARDED.items():
        add_fields(copy / model_file, classes)
    tables = [table for classes in GUARDED.values() for _class, table in classes]
    out = run(f"TABLES = {tables!r}\n" + textwrap.dedent(CHANGE), copy, env)
    assert "CHANGE OK" in out
    # The ordinary way: generated AddField operations, nothing written by hand for the guards.
    new = [
        p
        for app in ("pledges", "audit")
        for p in (copy / app / "migrations").glob("0*.py")
        if "nota_uji" in p.read_text()
    ]
    assert len(new) == 2, out
    for path in new:
        assert "migrations.AddField" in path.read_text() and "dbguard" not in path.read_text()
