"""Files a job keeps in the default storage besides its result: what a runner
hands to a later job (the parsed roster a preview keeps for its confirm)."""

import gzip
import json

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

WORK_DIR = "jobs/work"


def work_name(job, suffix):
    return f"{WORK_DIR}/{job.pk}{suffix}"


def save_json(job, suffix, data):
    """Keep ``data`` for a later step of the same work; returns the storage name."""
    payload = gzip.compress(json.dumps(data, separators=(",", ":")).encode(), compresslevel=1)
    name = work_name(job, suffix)
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(payload))


def load_json(name):
    with default_storage.open(name, "rb") as handle:
        return json.loads(gzip.decompress(handle.read()))


def delete_job_files(job):
    """The job's result file and whatever it kept for a later step."""
    if job.file:
        job.file.delete(save=False)
    for name in job.params.get("work_files", []):
        if name.startswith(f"{WORK_DIR}/") and default_storage.exists(name):
            default_storage.delete(name)
