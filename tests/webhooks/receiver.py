"""The tests' webhook receiver: ``tests/webhook_receiver.py`` as its own process on
a free loopback port (see that file for what it checks and how it answers)."""

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.ports import free_port

SCRIPT = Path(__file__).resolve().parents[1] / "webhook_receiver.py"


class Receiver:
    def __init__(self, *, fail_rate=0.0, seed=1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.arguments = ["--fail-rate", str(fail_rate), "--seed", str(seed)]
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(self.port), *self.arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready", "the webhook receiver did not start"
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self, path):
        return self.base + path

    def configure(self, path, **config):
        """How ``path`` answers: ``secret`` (to check signatures with), ``status``, ``delay``, ``fail_rate``."""
        requests.post(self.url("/_configure"), json={"path": path, **config}, timeout=5).raise_for_status()

    def received(self, path=None):
        lines = requests.get(self.url("/_received"), timeout=10).text.splitlines()
        items = [json.loads(line) for line in lines]
        return [item for item in items if path is None or item["path"] == path]

    def wait_for(self, condition, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            items = self.received()
            if condition(items):
                return items
            assert time.monotonic() < deadline, f"receiver: condition not met in {timeout} s; got {len(items)}"
            time.sleep(0.1)
