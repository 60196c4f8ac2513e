"""The kinds of background work, registered by the apps that do them.

An app declares a kind where its runner is — ``@kind("roster_export",
_("Ekspor daftar pegawai"))`` on ``def roster_export(job, progress)`` — and starts it
with ``start_for(request, kind=roster_export, …)``: the object, never a dotted string,
so a misspelt kind fails at import. The app's ``AppConfig.ready()`` imports the modules
that declare its kinds, so that a worker knows every kind before it runs a job; the
``jobs`` app knows this registry, never the apps (a new kind needs no change here and no
migration: ``Job.kind`` stores the name).
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_registry = {}


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its stored ``name``, the ``label`` people read, and ``runner(job,
    progress)``, which returns a :class:`jobs.work.Outcome` or raises a
    :class:`jobs.work.JobError`."""

    name: str
    label: Any
    runner: Any

    def __call__(self, job, progress):
        return self.runner(job, progress)

    def __str__(self):
        return self.name


def kind(name, label):
    """Register the decorated ``runner(job, progress)`` as the job kind ``name``; the
    decorated name becomes the :class:`JobKind`."""

    def register(runner):
        registered = _registry.get(name)
        if registered is not None and registered.runner.__qualname__ != runner.__qualname__:
            raise ImproperlyConfigured(f"Job kind {name!r} is registered twice: {registered.runner} and {runner}.")
        _registry[name] = job_kind = JobKind(name, label, runner)
        return job_kind

    return register


def get(name):
    """The kind named ``name``, or ``None`` when no app registers it (any more)."""
    return _registry.get(name)


def registered():
    """Every kind, by name."""
    return dict(_registry)
