"""gunicorn's logger for Netralitas, named in ``gunicorn.conf.py``: gunicorn's own,
with its access and error logs passed through the same redaction as Django's
(``netralitas.lib.logs.RedactSecrets``) — an access line or an "Error handling
request /t/…" holds no personal link token in full."""

from gunicorn.glogging import Logger

from netralitas.lib.logs import RedactSecrets


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)  # also on every configuration reload
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactSecrets) for existing in log.filters):
                log.addFilter(RedactSecrets())
