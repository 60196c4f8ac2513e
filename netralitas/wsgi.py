"""The WSGI application gunicorn serves (README, "Produksi").

A worker process lives for days and holds a few hundred thousand objects that live as
long as it does: Django, the URL patterns, templates, translations, WeasyPrint's fonts.
Python's full garbage collection walks all of them; at an apel's burst one such pass
paused a signing request for 160–260 ms (docs/performance.md). So what is loaded by
now, and again what the first requests load lazily, is frozen out of the collector's
passes (``gc.freeze``): collection then only walks what requests create.
"""

import gc
import itertools
import os

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netralitas.settings")

application = get_wsgi_application()

WARM_REQUESTS = 50  # by then every lazily built cache of a page and of signing exists
_served = itertools.count(1)


def _freeze():
    gc.collect()
    gc.freeze()


def _freeze_when_warm(**kwargs):
    # After the response went out: the one collection here delays no one's answer.
    if next(_served) == WARM_REQUESTS:
        request_finished.disconnect(_freeze_when_warm)
        _freeze()


_freeze()
request_finished.connect(_freeze_when_warm)
