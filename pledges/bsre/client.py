"""The two calls of BSrE's Esign Client API v2 we use, and what each answer means.

Every call has HTTP Basic auth and a JSON body; the answers are sorted into the
exceptions below, whose messages never quote the one-time code, the credentials or a
file. A timeout after the request was sent is :class:`Unknown`: BSrE may have sealed —
sending the same bytes again is harmless, storing two results is not (the caller stores
once per signature)."""

import base64
import datetime
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.utils import timezone

from netralitas.lib.http import thread_session

SEAL_PATH = "/api/v2/seal/pdf"
TOTP_PATH = "/api/v2/seal/get/totp"
CONNECT_TIMEOUT = 5


class BsreError(Exception):
    """Something BSrE answered, or did not; ``str()`` is safe to log and show."""


class Transient(BsreError):
    """5xx, 503, a refused connection, an answer we cannot read: try again later."""


class Unknown(Transient):
    """No answer after the request was sent: BSrE may or may not have done it."""


class AuthRefused(BsreError):
    """401/403: the username or password is wrong (or the account blocked)."""


class CodeRejected(BsreError):
    """The one-time code was not accepted (wrong, replaced or expired)."""


class Refused(BsreError):
    """Any other 4xx: BSrE refused this request (e.g. a file it could not read)."""


def _post(path, body):
    if not settings.BSRE_URL:
        raise Refused("BSRE_URL belum diatur")
    try:
        response = thread_session().post(
            settings.BSRE_URL + path,
            json=body,
            auth=(settings.BSRE_USERNAME, settings.BSRE_PASSWORD),
            timeout=(CONNECT_TIMEOUT, settings.BSRE_TIMEOUT),
            allow_redirects=False,
        )
    except requests.ConnectTimeout:
        raise Transient("BSrE tidak dapat dihubungi (batas waktu koneksi)") from None
    except requests.ReadTimeout:
        raise Unknown("BSrE tidak menjawab setelah permintaan terkirim") from None
    except requests.ConnectionError as error:
        # Refused before anything was sent, or cut after: only the first is certain.
        if "NewConnectionError" in repr(error) or "Connection refused" in str(error):
            raise Transient("BSrE tidak dapat dihubungi") from None
        raise Unknown("sambungan ke BSrE terputus sebelum ada jawaban") from None
    except requests.RequestException as error:
        raise Transient(f"permintaan ke BSrE gagal ({type(error).__name__})") from None
    return response


def _json(response):
    try:
        data = response.json()
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def _message(data, hidden):
    """BSrE's own words for a refusal, with ``hidden`` (the code sent, the password)
    taken out should it quote them, then cut to 200 characters."""
    message = str(data.get("message") or data.get("error") or "")
    for secret in (*hidden, settings.BSRE_PASSWORD):
        if secret:
            message = message.replace(str(secret), "•••")
    return message[:200]


def _raise_for(response, data, code):
    status = response.status_code
    if status in (401, 403):
        raise AuthRefused(f"BSrE menolak kredensial (HTTP {status})")
    if status >= 500:
        raise Transient(f"BSrE sedang bermasalah (HTTP {status})")
    if 400 <= status < 500:
        text = f"{data.get('error', '')} {data.get('message', '')}".lower()
        if "totp" in text:
            raise CodeRejected(f"kode sekali pakai ditolak BSrE (HTTP {status})")
        raise Refused(f"BSrE menolak permintaan (HTTP {status}): {_message(data, [code])}")
    if status != 200:
        raise Transient(f"jawaban BSrE tidak terduga (HTTP {status})")


def seal(subscriber, code, files, properties):
    """The sealed bytes of ``files`` (a list of PDF bytes), in the same order; one call,
    all or nothing. ``properties``: one ``signatureProperties`` entry per file."""
    body = {
        "idSubscriber": subscriber,
        "totp": code,
        "signatureProperties": properties,
        "file": [base64.b64encode(data).decode("ascii") for data in files],
    }
    response = _post(SEAL_PATH, body)
    data = _json(response)
    _raise_for(response, data, code)
    returned = data.get("file")
    if not isinstance(returned, list) or len(returned) != len(files):
        raise Transient("jawaban BSrE tidak berisi berkas sebanyak yang dikirim")
    try:
        return [base64.b64decode(item, validate=True) for item in returned]
    except (TypeError, ValueError):
        raise Transient("berkas dari BSrE bukan base64 yang sah") from None


def next_code(subscriber, code):
    """``(next code, when it expires on our clock)``: BSrE's expiry moved by the
    difference between its clock (the answer's ``Date``) and ours — BSrE's clock can
    be minutes off."""
    response = _post(TOTP_PATH, {"idSubscriber": subscriber, "totp": code, "data": "1"})
    data = _json(response)
    _raise_for(response, data, code)
    new = data.get("totp")
    if not new or data.get("result") is False:
        raise CodeRejected(f"BSrE tidak memberi kode baru: {_message(data, [code, new])}")
    return str(new), _expiry(data.get("expires"), response.headers.get("Date"))


def _expiry(value, date_header):
    now = timezone.now()
    try:
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
            number = float(value)
            expires = datetime.datetime.fromtimestamp(number / 1000 if number > 1e11 else number, datetime.UTC)
        else:
            expires = datetime.datetime.fromisoformat(str(value))
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=datetime.UTC)
    except (TypeError, ValueError, OverflowError):
        return now + datetime.timedelta(minutes=2)  # unreadable: assume short, refresh early
    try:
        their_now = parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError):
        their_now = None
    if their_now is not None:
        return now + (expires - their_now)
    return expires
