"""Logging helpers named in ``settings.LOGGING``."""

import logging


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
