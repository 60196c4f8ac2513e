"""Job kinds belong to the apps that do the work (``jobs.kinds``): each app declares its
kinds where its runners are; ``jobs`` knows the registry, not the apps. A new kind
needs no migration and no change in ``jobs`` — the tests' own kinds (``tests.jobs``)
are declared exactly so, and real workers run them (``test_worker``, ``test_poison``)."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jobs import kinds
from jobs.engine import start_job
from jobs.kinds import kind
from jobs.models import Job
from jobs.tasks import UNKNOWN_KIND, execute
from tests.jobs import helpers

PRODUCT_KINDS = {
    "roster_preview": "roster.imports",
    "roster_import": "roster.imports",
    "roster_export": "roster.exports",
    "invitations_export": "ceremonies.exports",
    "link_sheets": "ceremonies.exports",
    "email_reminders": "ceremonies.reminders",
    "recap_table": "inspektorat.exports",
    "recap_pdf": "inspektorat.exports",
    "trail_export": "inspektorat.exports",
    "personal_data": "pledges.personal_data",
    "breach_affected": "privacy.jobs",
    "breach_letters": "privacy.jobs",
}


def test_a_worker_knows_every_kind_once_django_is_set_up():
    """In a fresh process with production settings — as a worker starts — every app's
    kinds are registered by the apps themselves, before any job is looked at."""
    code = (
        "import django; django.setup(); from jobs import kinds;"
        "print(' '.join(f'{k.name}={k.runner.__module__}' for k in kinds.registered().values()))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "netralitas.settings", "SECRET_KEY": "tests-only", "PATH": "/usr/bin:/bin"}
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert dict(pair.split("=") for pair in output.split()) == PRODUCT_KINDS


def test_a_kind_is_the_declared_object_never_a_name():
    with pytest.raises(TypeError, match="JobKind"):
        start_job(kind="roster_export", title="Ekspor")


def test_a_name_declared_twice_is_refused():
    def another(job, progress):
        pass

    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        kind("roster_export", "Lain")(another)
    assert kinds.get("roster_export").runner.__module__ == "roster.exports"


@pytest.mark.django_db
def test_a_stored_kind_no_app_declares_any_more_fails_with_a_message(world):
    job = Job.objects.create(kind="dihapus", title="Pekerjaan lama", user=world.operator_a)
    assert execute(job.pk).status == Job.Status.FAILED
    job.refresh_from_db()
    assert job.message == str(UNKNOWN_KIND) and job.kind_label == "dihapus"


@pytest.mark.django_db
def test_a_kind_declared_outside_jobs_runs_and_is_labelled(world):
    job = start_job(kind=helpers.refused, title="Uji", user=world.operator_a)
    assert job.kind == "test_refused" and job.kind_label == "Pekerjaan yang ditolak (uji)"
    assert execute(job.pk).message == "Berkas ini tidak dapat dipakai."
