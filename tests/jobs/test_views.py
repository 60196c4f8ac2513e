"""A job's page, its live progress, the person's files, the download and the
retention clean-up — through the pages and the command, as people use them."""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from jobs.engine import start_job
from jobs.models import Job
from jobs.tasks import execute
from tests.jobs import helpers

pytestmark = pytest.mark.django_db


def job_of(user, agency, **kwargs):
    defaults = {"kind": "roster_export", "title": "Ekspor", "user": user, "agency": agency}
    return Job.objects.create(**{**defaults, **kwargs})


def test_the_page_polls_while_the_job_runs_and_reloads_when_it_ends(client, world):
    job = job_of(
        world.operator_a, world.agency_a, status=Job.Status.RUNNING, stage="Menulis berkas", done=30, total=120
    )
    client.force_login(world.operator_a)
    html = client.get(job.get_absolute_url()).content.decode()
    progress_url = reverse("jobs:progress", args=[job.pk])
    assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 1s"' in html
    assert 'value="25"' in html and "30 dari 120" in html and "Menulis berkas" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script: the pages run under a CSP
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert fragment["Cache-Control"] == "no-store" and "HX-Refresh" not in fragment
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, done=120)
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    assert "hx-get" not in fragment.content.decode() and 'value="100"' in fragment.content.decode()
    html = client.get(job.get_absolute_url()).content.decode()
    assert "hx-get" not in html and "htmx.min.js" not in html


def test_a_waiting_job_says_when_no_worker_is_alive(client, world):
    from jobs.models import WorkerHeartbeat

    job = job_of(world.operator_a, world.agency_a)
    client.force_login(world.operator_a)
    assert 'id="job-no-worker"' in client.get(job.get_absolute_url()).content.decode()
    WorkerHeartbeat.objects.create(worker_id="w1", seen_at=timezone.now())
    assert 'id="job-no-worker"' not in client.get(reverse("jobs:progress", args=[job.pk])).content.decode()


def test_my_files_lists_only_my_own_jobs(client, world):
    mine = job_of(world.auditor_ab, world.agency_a, title="Punya saya")
    job_of(world.auditor_a, world.agency_a, title="Punya rekan")
    job_of(world.auditor_ab, None, title="Jejak dua instansi")
    client.force_login(world.auditor_ab)
    html = client.get(reverse("jobs:index")).content.decode()
    assert "Punya saya" in html and "Jejak dua instansi" in html and "Punya rekan" not in html
    assert mine.get_absolute_url() in html


def test_a_job_that_cannot_be_done_says_why(client, world):
    job = start_job(
        kind=helpers.refused,
        title="Pratinjau",
        user=world.operator_a,
        agency=world.agency_a,
    )
    execute(job.pk)
    client.force_login(world.operator_a)
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Gagal" in html and "Berkas ini tidak dapat dipakai." in html
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    broken = start_job(
        kind=helpers.broken,
        title="Ekspor",
        user=world.operator_a,
        agency=world.agency_a,
    )
    with pytest.raises(RuntimeError):  # the task fails too, with the traceback, for the admin
        execute(broken.pk)
    broken.refresh_from_db()
    assert broken.status == Job.Status.FAILED and "kesalahan yang tidak terduga" in broken.message
    assert "a bug" not in broken.message


def test_download_is_recorded_and_never_cached(client, world):
    job = job_of(world.operator_a, world.agency_a, status=Job.Status.DONE, filename="pegawai.csv", result={"rows": 4})
    job.file.save("pegawai.csv", ContentFile(b"NIP,Nama\n"), save=True)
    client.force_login(world.operator_a)
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response["Cache-Control"] == "no-store"
    assert 'attachment; filename="pegawai.csv"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"NIP,Nama\n"
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOWNLOAD)
    assert (event.user, event.agency, event.object_type) == (world.operator_a, world.agency_a, "job")
    assert event.description == "Mengunduh berkas “pegawai.csv”: Ekspor (4 baris)"


def test_a_file_past_its_expiry_is_gone_from_that_moment_not_from_the_next_cleanup(client, world):
    job = job_of(world.operator_a, world.agency_a, status=Job.Status.DONE, filename="pegawai.csv")
    job.file.save("pegawai.csv", ContentFile(b"NIP,Nama\n"), save=True)
    url = reverse("jobs:download", args=[job.pk])
    client.force_login(world.operator_a)
    assert client.get(url).status_code == 200
    assert url in client.get(reverse("jobs:index")).content.decode()

    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert default_storage.exists(job.file.name)  # cleanup_jobs has not run yet
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Berkas “pegawai.csv” sudah kedaluwarsa" in html and "buat lagi" in html
    assert b"NIP,Nama" not in response.content
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD).count() == 1  # the download before only
    page = client.get(job.get_absolute_url()).content.decode()
    assert url not in page and "sudah kedaluwarsa" in page
    assert url not in client.get(reverse("jobs:index")).content.decode()


def test_cleanup_deletes_expired_jobs_and_their_files(world, settings):
    settings.JOB_FILES_DAYS = 7
    old = job_of(world.operator_a, world.agency_a, status=Job.Status.DONE)
    old.file.save("lama.csv", ContentFile(b"x"), save=False)
    work = default_storage.save("jobs/work/lama.rows.json.gz", ContentFile(b"x"))
    old.params = {"work_files": [work]}
    old.save()
    Job.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    fresh = job_of(world.operator_a, world.agency_a, status=Job.Status.DONE)
    fresh.file.save("baru.csv", ContentFile(b"y"), save=True)
    assert fresh.expires_at.date() == (timezone.now() + datetime.timedelta(days=7)).date()
    call_command("cleanup_jobs")
    assert list(Job.objects.all()) == [fresh]
    assert not default_storage.exists(old.file.name) and not default_storage.exists(work)
    assert default_storage.exists(fresh.file.name)
