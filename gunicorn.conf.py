"""gunicorn's settings for Netralitas (README, "Produksi"; bench/signing.py). gunicorn
reads this file from the folder it starts in, and the README's command names it
(``-c gunicorn.conf.py``); options on the command line still win.

Only what must hold wherever gunicorn serves the app: its access log (when one is
asked for, ``--access-logfile``) and its error log shorten personal link tokens,
apel tokens, job ids and verification codes (``netralitas.lib.logs.redact``)."""

logger_class = "netralitas.lib.gunicorn_log.RedactingLogger"
