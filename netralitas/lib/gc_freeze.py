"""Keeping a web worker's long-lived objects out of Python's full garbage collections
(``gc.freeze``, a stable part of the standard library).

A worker process lives for days and holds a few hundred thousand objects that live as
long as it does: Django, the URL patterns, templates, translations, WeasyPrint's fonts.
A full collection walks all of them, and at an apel's burst such a pass paused a
signing request visibly (docs/performance.md). So what is loaded when the worker
starts, and again what its first requests load lazily, is frozen: collections then
walk only what requests create.
"""

import gc
import itertools

from django.core.signals import request_finished

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


def freeze_worker():
    """Freeze what this process has loaded now, and again after its first
    :data:`WARM_REQUESTS` requests. Called once, where the WSGI application is made."""
    _freeze()
    request_finished.connect(_freeze_when_warm)
