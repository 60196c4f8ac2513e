"""Logging helpers named in ``settings.LOGGING`` (and, for gunicorn, in
``gunicorn.conf.py``)."""

import logging
import re

# A secret in a URL path: a personal signing link (/t/…), an apel link (/apel/…, not a
# staff page's number), a verification code (/v/…), a job's id (/berkas/…, a roster
# import's /pegawai/impor/…); and a code typed into the look-up form (?code=…).
_SECRET_IN_PATH = re.compile(r"(/(?:t|v|apel|berkas|pegawai/impor)/)([^/\s?#&\"'<>]+)")
_SECRET_IN_QUERY = re.compile(r"([?&](?:code|kode)=)([^&\s#\"'<>]+)")
SHOWN = 4  # characters of a secret a log keeps: enough to tell two lines apart


def _shorten(match):
    prefix, secret = match.groups()
    if len(secret) <= SHOWN or (prefix == "/apel/" and secret.isdigit()):
        return match.group(0)
    return f"{prefix}{secret[:SHOWN]}…"


def redact(text):
    """``text`` with every personal link token, apel token, job id and verification
    code in a URL cut to its first characters: ``/t/Xk3v…/``. Whoever reads a log
    (an access log, a 404 warning, a traceback) cannot sign, look up or download
    with it."""
    if "/" not in text and "=" not in text:
        return text
    return _SECRET_IN_QUERY.sub(_shorten, _SECRET_IN_PATH.sub(_shorten, text))


class RedactSecrets(logging.Filter):
    """:func:`redact` on a whole record — its message, its traceback and its stack —
    whichever logger wrote it: Django's "Not Found: /t/…" warnings, the development
    server's request lines, gunicorn's access and error logs. On a handler it sees
    every record that reaches the handler."""

    def filter(self, record):
        message = record.getMessage()
        shortened = redact(message)
        if shortened != message:
            record.msg, record.args = shortened, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class ClientErrorsOnOneLine(logging.Filter):
    """Django logs a refused request (403 ``PermissionDenied``, 400) with the
    exception's traceback attached. It is the client's doing, not a bug: keep the
    one line ("Forbidden (Permission denied): /apel/3/") and drop the traceback.
    Server errors (5xx) keep theirs."""

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
