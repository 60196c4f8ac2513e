"""A stored file's bytes in one request to S3-compatible storage — a shortcut around
django-storages' ``S3Storage.open()``, pinned to how its ``url()`` behaves.

``open()`` of an object asks the server three times for one small file: a HEAD when it
is opened (to fail early on a missing file), then boto3's transfer manager a HEAD for
the size and a GET. For the Inspektorat's ZIP of tens of thousands of pacts that is
three round trips where one does (against moto's server, 48 files of 50 KB a second
against 170; ``make bench-archive BENCH_ARGS=--s3``, docs/performance.md). So a file
of an ``S3Storage`` that signs its URLs (``AWS_QUERYSTRING_AUTH``, our setting) and
has no custom domain or gzip is read with one GET of the presigned URL its public
``url()`` makes, over connections kept alive per thread: 200 is the bytes, 404 a file
gone. Any other answer, any error, another storage or ``SHORTCUTS_AROUND_LIBRARIES=0``
takes the plain path, ``storage.open``; the first fallback is logged once per process.

Pinned to **django-storages 1.14** (``VERIFIED_WITH``): that ``S3Storage.url(name)``
then presigns a ``get_object`` of the key ``open(name)`` reads (the same
``_normalize_name``), with the storage's own client and credentials.
``tests/lib/test_storages_pinned.py`` fails by name when the release or that
behaviour changes, and checks that both paths read the same bytes.
"""

import logging
import threading

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation

logger = logging.getLogger(__name__)

VERIFIED_WITH = {"django-storages": "1.14"}
# Seconds to connect and between bytes: a pact is tens of KB.
TIMEOUT = (10, 60)

_local = threading.local()
_fell_back = False


def reads_by_url(storage):
    """Whether ``storage``'s files are read here rather than through ``open``."""
    if not settings.SHORTCUTS_AROUND_LIBRARIES:
        return False
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:
        return False
    return (
        isinstance(storage, S3Storage)
        and bool(storage.querystring_auth)
        and not storage.custom_domain
        and not storage.gzip
    )


def _session():
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def read(storage, name, plain):
    """``name``'s bytes from ``storage`` in one GET (``None``: gone); ``plain(storage,
    name)`` answers instead on anything but a 200 or a 404."""
    return fetch(storage, name, plain)()


def fetch(storage, name, plain):
    """:func:`read` in two steps, for reading many files from worker threads: the URL is
    signed now, in this thread (the storage keeps one boto3 connection per thread, tens
    of MB each), and the returned function GETs it in whichever thread calls it."""
    try:
        url = storage.url(name)
    except SuspiciousOperation:
        return lambda: None  # a name no storage would give (open() refuses it the same way)
    except Exception as error:
        _fall_back(error)
        return lambda: plain(storage, name)
    return lambda: _get(url, storage, name, plain)


def _get(url, storage, name, plain):
    try:
        response = _session().get(url, timeout=TIMEOUT)
        if response.status_code == 200:
            return response.content
        if response.status_code == 404:
            return None
        _fall_back(f"HTTP {response.status_code}")
    except Exception as error:
        _fall_back(error)
    return plain(storage, name)


def _fall_back(reason):
    global _fell_back
    if not _fell_back:
        _fell_back = True
        if isinstance(reason, Exception):
            # The type only: an HTTP client's message quotes the URL, and a presigned URL is a credential.
            reason = type(reason).__name__
        logger.warning("Stored files are read through storage.open (%s); see netralitas/lib/storages_pinned.py", reason)
