"""Two phones, one invitation, the same instant: the database keeps exactly one
signature and every submit ends on the confirmation page."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from pledges.models import Signature
from tests import factories

THREADS = 8


@pytest.fixture(params=["dummy", "database"])
def task_backend(request, settings):
    """Both ways of storing: the ORM's (any backend) and, with the database task
    backend on PostgreSQL, the one statement that also queues the PDF task."""
    if request.param == "database":
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "jobs"]}}
    return request.param


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_make_one_signature(invitation, signature_data_url, task_backend):
    url = reverse("pledges:sign", args=[invitation.token])
    barrier = threading.Barrier(THREADS)
    shown = factories.shown_fields(invitation)
    pages, errors = [], []

    def submit():
        try:
            client = Client()
            barrier.wait(timeout=10)
            response = client.post(url, {"signature": signature_data_url, "agree": "on", **shown}, follow=True)
            pages.append((response.status_code, response.content.decode()))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(pages) == THREADS
    for status, html in pages:
        assert status == 200
        assert "Pakta sudah ditandatangani" in html
    assert Signature.objects.filter(invitation=invitation).count() == 1
    assert Signature.objects.count() == 1
    if task_backend == "database":
        from django_tasks_db.models import DBTaskResult

        signature = Signature.objects.get()
        assert list(DBTaskResult.objects.values_list("args_kwargs", flat=True)) == [
            {"args": [signature.pk], "kwargs": {}}
        ]
