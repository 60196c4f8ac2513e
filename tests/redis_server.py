"""A private ``redis-server`` on a free loopback port, for the tests of the shared
cache: the limits on a real Redis, and what the pages do when it stops and comes
back. Never the shared Redis on 6379: a test that stops its Redis stops its own."""

import shutil
import socket
import subprocess
import time

from tests.ports import free_port


class RedisServer:
    def __init__(self):
        assert shutil.which("redis-server"), "redis-server is missing: make sysdeps-test installs it"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        """Start (or start again, on the same port) and wait until it answers."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            assert self.process.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return self

    def answers(self):
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                return False
            probe.sendall(b"PING\r\n")
            try:
                return probe.recv(16).startswith(b"+PONG")
            except OSError:
                return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
