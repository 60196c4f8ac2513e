"""The development secret of a checkout that ``make run`` set up.

``make run`` (its ``setup`` step, and ``bin/run-dev``) keeps a random key in the data
folder, readable by its owner only; the settings use it when ``SECRET_KEY`` is not set
*and* that file exists — so that every command the README shows works as written in
that checkout (sessions and signed links included), while a server where ``make run``
never ran has no such file and nothing starts without ``SECRET_KEY``. ``check --deploy``
refuses a key that came from here (``netralitas.checks``).

``python -m netralitas.lib.devkey`` makes the file if it is missing.
"""

import os
import secrets
from pathlib import Path

FILE_NAME = "dev-secret-key"


def key_file(data_dir):
    return Path(data_dir) / FILE_NAME


def read(data_dir):
    """The key kept in ``data_dir``, or ``None`` when there is none."""
    try:
        return key_file(data_dir).read_text().strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None


def ensure(data_dir):
    """Make the key file (mode 0600) unless it exists; returns its path."""
    path = key_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(handle, "w") as out:
        out.write(secrets.token_urlsafe(50) + "\n")
    return path


if __name__ == "__main__":
    # The same folder as the settings' DATA_DIR (they cannot be loaded before the key exists).
    ensure(os.environ.get("NETRALITAS_DATA_DIR") or Path(__file__).resolve().parents[2] / "data")
