"""Standard Webhooks signatures (https://www.standardwebhooks.com/, spec v1):
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, keyed with the
base64-decoded part of the endpoint's secret after ``whsec_``. Ten lines of the
standard library; the official ``standardwebhooks`` package brings an HTTP client
and more along with them. ``tests/webhooks/test_signing.py`` checks the spec's
published example."""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 24


def new_secret():
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret):
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret, message_id, timestamp, body):
    """The ``webhook-signature`` header's value for ``body`` (bytes)."""
    signed = f"{message_id}.{int(timestamp)}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secret, message_id, timestamp, body):
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "content-type": "application/json",
    }
