"""Changing stored files behind the app's back, as a disk fault or an intruder would —
through the storage API, so that the same test runs on the local disk and on S3
(``TEST_STORAGE=s3``)."""

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def read(name):
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def replace(name, data):
    """Put ``data`` where ``name`` was, under the same name."""
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(data)) == name


def remove(name):
    default_storage.delete(name)


def flip_one_byte(name, offset=200):
    data = bytearray(read(name))
    data[offset] ^= 0x01
    replace(name, bytes(data))


def names(storage=None, folder=""):
    """Every stored file's name."""
    storage = storage or default_storage
    folders, files = storage.listdir(folder)
    found = [f"{folder}{name}" for name in files]
    for sub in folders:
        found += names(storage, f"{folder}{sub}/")
    return found


def hashes(storage=None):
    """``{name: SHA-256}`` of every stored file."""
    storage = storage or default_storage
    result = {}
    for name in sorted(names(storage)):
        with storage.open(name, "rb") as handle:
            result[name] = hashlib.sha256(handle.read()).hexdigest()
    return result


def wipe():
    for name in names():
        default_storage.delete(name)


def elsewhere(settings, tmp_path):
    """Where a second installation keeps its files — a new folder, or a new prefix in the
    same bucket — as ``(environment for its processes, a storage to read them back)``."""
    from django.core.files.storage import FileSystemStorage

    from tests import s3

    if not s3.wanted():
        root = tmp_path / "baru" / "media"
        return {"MEDIA_ROOT": str(root)}, FileSystemStorage(location=root)
    from storages.backends.s3 import S3Storage

    prefix = f"baru-{uuid.uuid4().hex}"
    env = {**s3.S3Server.environment(settings), "AWS_LOCATION": prefix}
    return env, S3Storage(location=prefix)
