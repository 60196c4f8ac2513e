"""WeasyPrint's only way to the outside world while rendering a PDF.

Pages are laid out with the base URL ``https://netralitas.invalid/`` (a reserved
name that never resolves). This fetcher serves ``/static/…`` from the project's
static files and ``/media/…`` from the default storage, and PNG ``data:`` URLs;
it refuses everything else — other hosts, ``file:``, other data types — so a
hostile value in a name or position can never make the renderer fetch anything.
"""

import base64
import binascii
import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse

BASE_URL = "https://netralitas.invalid/"
STATIC_PREFIX = "/static/"
MEDIA_PREFIX = "/media/"
ALLOWED_DATA_PREFIX = "data:image/png;base64,"


class RefusedURL(ValueError):
    pass


def _safe_relative(path):
    """``path`` without leading slashes, refusing any attempt to climb out."""
    normalised = posixpath.normpath(unquote(path)).lstrip("/")
    if normalised.startswith("..") or "\x00" in normalised or normalised in ("", "."):
        raise RefusedURL(f"refused path {path!r}")
    return normalised


class ProjectFilesFetcher(URLFetcher):
    """Serves our own static and media files; refuses all other URLs."""

    def __init__(self):
        super().__init__(fail_on_errors=True, allowed_protocols=("https", "data"))

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return self._data(url)
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != urlsplit(BASE_URL).netloc or parts.query:
            raise RefusedURL(f"refused URL {url!r}")
        if parts.path.startswith(STATIC_PREFIX):
            name = _safe_relative(parts.path[len(STATIC_PREFIX) :])
            found = finders.find(name)
            if not found:
                raise RefusedURL(f"no static file {name!r}")
            with open(found, "rb") as handle:
                return self._response(url, handle.read(), name)
        if parts.path.startswith(MEDIA_PREFIX):
            name = _safe_relative(parts.path[len(MEDIA_PREFIX) :])
            with default_storage.open(name, "rb") as handle:
                return self._response(url, handle.read(), name)
        raise RefusedURL(f"refused URL {url!r}")

    @staticmethod
    def _data(url):
        if not url.startswith(ALLOWED_DATA_PREFIX):
            raise RefusedURL("refused data URL that is not a PNG")
        try:
            body = base64.b64decode(url[len(ALLOWED_DATA_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise RefusedURL("refused malformed data URL") from None
        return URLFetcherResponse("data:image/png", body, {"Content-Type": "image/png"})

    @staticmethod
    def _response(url, body, name):
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def static_url(name):
    return f"{BASE_URL.rstrip('/')}{STATIC_PREFIX}{name}"


def media_url(name):
    return f"{BASE_URL.rstrip('/')}{MEDIA_PREFIX}{name}"
