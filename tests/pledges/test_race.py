"""Two phones, one invitation, the same instant: the database keeps exactly one
signature and every submit ends on the confirmation page."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from pledges.models import Signature

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_make_one_signature(invitation, signature_data_url):
    url = reverse("pledges:sign", args=[invitation.token])
    barrier = threading.Barrier(THREADS)
    pages, errors = [], []

    def submit():
        try:
            client = Client()
            barrier.wait(timeout=10)
            response = client.post(url, {"signature": signature_data_url, "agree": "on"}, follow=True)
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
