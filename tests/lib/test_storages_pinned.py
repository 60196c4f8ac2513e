"""``netralitas.lib.storages_pinned``: a stored file read from S3-compatible storage in
one GET of the presigned URL django-storages' ``url()`` makes, instead of ``open()``'s
three requests. It leans on what that ``url()`` means, so this file fails *by name*
when django-storages changes, checks against a real S3 server (moto's, ``tests/s3.py``)
that both paths read the same bytes, and that anything unexpected takes ``open()``."""

import http.server
import logging
import threading
from importlib.metadata import version

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from netralitas.lib import storages_pinned
from pledges import evidence

UPGRADE = (
    "django-storages changed: re-verify netralitas/lib/storages_pinned.py — that S3Storage.url(name) "
    "presigns a get_object of the key open(name) reads — then update VERIFIED_WITH and this test."
)


@pytest.fixture
def bucket(s3_server, settings):
    """An S3Storage on the test server, under a prefix of this test's own."""
    for name, value in s3_server.settings("pinned", settings.STORAGES).items():
        setattr(settings, name, value)
    return S3Storage()


@pytest.fixture(autouse=True)
def _fresh_fallback_note(monkeypatch):
    monkeypatch.setattr(storages_pinned, "_fell_back", False)


def test_django_storages_is_the_release_the_one_request_read_was_verified_with():
    assert version("django-storages").startswith(storages_pinned.VERIFIED_WITH["django-storages"] + "."), UPGRADE


def test_the_url_is_a_presigned_get_of_the_key_open_reads(bucket):
    url = bucket.url("pacts/1/2/abc.pdf")
    assert "/netralitas-uji/pinned/pacts/1/2/abc.pdf?" in url, UPGRADE
    assert "Signature=" in url, UPGRADE


def test_both_paths_read_the_same_bytes_and_a_missing_file_is_gone(bucket):
    data = b"%PDF-1.7\n" + bytes(range(256)) * 200
    name = bucket.save("pacts/9/8/kode uji.pdf", ContentFile(data))
    assert storages_pinned.reads_by_url(bucket)
    assert evidence.stored_bytes(bucket, name) == data == evidence.opened_bytes(bucket, name)
    assert evidence.stored_bytes(bucket, "pacts/9/8/tidak-ada.pdf") is None
    assert evidence.stored_bytes(bucket, "../../di-luar.pdf") is None


@pytest.fixture
def unavailable():
    """An HTTP server on loopback that answers every request 503, as an overloaded gateway."""

    class Busy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_any_other_answer_takes_open_and_says_so_once(bucket, unavailable, caplog):
    """A URL that answers neither 200 nor 404 reads through ``open()`` — which, on the
    right server, gives the bytes."""
    name = bucket.save("pacts/7/kode.pdf", ContentFile(b"%PDF-1.7 isi"))
    wrong = S3Storage(endpoint_url=unavailable)

    def plain(storage, stored_name):
        return evidence.opened_bytes(bucket, stored_name)

    with caplog.at_level(logging.WARNING, logger="netralitas.lib.storages_pinned"):
        assert storages_pinned.read(wrong, name, plain) == b"%PDF-1.7 isi"
        assert storages_pinned.read(wrong, name, plain) == b"%PDF-1.7 isi"
    notes = [record.getMessage() for record in caplog.records]
    assert len(notes) == 1 and "HTTP 503" in notes[0]


def test_unreachable_server_takes_open(bucket, caplog):
    name = bucket.save("pacts/6/kode.pdf", ContentFile(b"%PDF-1.7 lain"))
    closed = S3Storage(endpoint_url="http://127.0.0.1:9")

    with caplog.at_level(logging.WARNING, logger="netralitas.lib.storages_pinned"):
        assert storages_pinned.read(closed, name, lambda s, n: evidence.opened_bytes(bucket, n)) == b"%PDF-1.7 lain"
    assert "ConnectionError" in caplog.text
    assert "Signature=" not in caplog.text and "AWSAccessKeyId" not in caplog.text  # the URL is a credential


def test_off_when_shortcuts_are_off_or_the_storage_is_not_s3(bucket, settings, tmp_path):
    assert not storages_pinned.reads_by_url(FileSystemStorage(location=tmp_path))
    assert not storages_pinned.reads_by_url(S3Storage(querystring_auth=False))
    assert not storages_pinned.reads_by_url(S3Storage(custom_domain="cdn.example.go.id"))
    settings.SHORTCUTS_AROUND_LIBRARIES = False
    assert not storages_pinned.reads_by_url(bucket)
    name = bucket.save("pacts/5/kode.pdf", ContentFile(b"%PDF-1.7 polos"))
    assert evidence.stored_bytes(bucket, name) == b"%PDF-1.7 polos"
