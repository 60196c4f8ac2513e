"""A real S3-compatible server for the storage tests: moto's server mode (``moto_server``,
a separate process on a free loopback port), one per test process, with one bucket.

``TEST_STORAGE=s3`` makes every test of that run keep its files there instead of on the
local disk (``tests/conftest.py``), under a prefix of its own; ``make test`` runs the tests
that touch stored files that way too. The app talks to it through django-storages exactly
as it would to MinIO or a cloud's S3: the settings of ``netralitas/settings.py``."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.ports import free_port

BUCKET = "netralitas-uji"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "uji", "AWS_SECRET_ACCESS_KEY": "rahasia-uji", "AWS_S3_REGION_NAME": "us-east-1"}


def wanted():
    return os.environ.get("TEST_STORAGE", "") == "s3"


class S3Server:
    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        server = Path(sys.executable).parent / "moto_server"
        self.process = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                assert self.process.poll() is None, "moto_server exited"
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        self.client().create_bucket(Bucket=BUCKET)
        return self

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_S3_REGION_NAME"],
        )

    def keys(self, prefix):
        """Every object name under ``prefix``."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    @staticmethod
    def environment(settings):
        """The environment that gives a process (a real worker) the same bucket and prefix
        as the test's ``settings``."""
        names = ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_LOCATION", *CREDENTIALS)
        return {name: getattr(settings, name) for name in names}

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # busy freeing what it holds: it holds nothing we need
                self.process.kill()
                self.process.wait(timeout=10)

    def settings(self, prefix, storages):
        """The Django settings that put the default storage (of ``storages``) in this
        server's bucket, under ``prefix`` — the names ``netralitas/settings.py`` reads from
        the environment."""
        return {
            "STORAGES": {
                **storages,
                "default": {"BACKEND": "storages.backends.s3.S3Storage"},
            },
            "AWS_LOCATION": prefix,
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_DEFAULT_ACL": None,
            "AWS_QUERYSTRING_AUTH": True,
            "AWS_S3_FILE_OVERWRITE": False,
            **CREDENTIALS,
        }
