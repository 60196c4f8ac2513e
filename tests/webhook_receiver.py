"""A webhook receiver, run as its own process on loopback by the tests and the
webhook benchmark: it checks every delivery's Standard Webhooks signature by itself
(its own HMAC code, nothing of the app's), records it, and answers as told.

    python tests/webhook_receiver.py PORT [--fail-rate 0.1] [--seed 1]

Control, on the same port (the tests' helper ``tests/webhooks.py`` uses these):

- ``POST /_configure`` JSON ``{"path": "/a", "secret": "whsec_…", "status": 500,
  "delay": 2.0, "fail_rate": 0.1}`` — how ``path`` answers (any key may be left out);
- ``GET /_summary`` — counts: requests, ids delivered (answered 200), 200s for an id
  already delivered, invalid signatures, 500s answered;
- ``GET /_received`` — every delivery so far as JSON lines: path, ``webhook-id``,
  timestamp, whether the signature was valid, the status answered, the body, when;
- ``POST /_reset`` — forget the deliveries.

Anything else POSTed is a delivery: unknown paths answer 404, a bad or missing
signature 401, otherwise the path's status (200 by default) after its delay.
"""

import base64
import hashlib
import hmac
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300  # seconds a timestamp may be off, as the spec's libraries allow


def verify(secret, message_id, timestamp, body, header):
    """The spec's check: any ``v1,`` signature in the space-separated header matches."""
    if not (secret and message_id and timestamp and header):
        return False
    try:
        if abs(time.time() - int(timestamp)) > TOLERANCE:
            return False
        key = base64.b64decode(secret.split("_", 1)[1])
    except ValueError:
        return False
    expected = base64.b64encode(hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    for part in header.split(" "):
        version, _, value = part.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return True
    return False


class State:
    def __init__(self, fail_rate, seed):
        self.lock = threading.Lock()
        self.paths = {}
        self.received = []
        self.default_fail_rate = fail_rate
        self.random = random.Random(seed)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, *args):
        pass

    def _answer(self, status, content=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(content)

    def do_GET(self):
        if self.path == "/_summary":
            with self.state.lock:
                items = list(self.state.received)
            delivered = [item["id"] for item in items if item["status"] == 200]
            summary = {
                "requests": len(items),
                "delivered": len(set(delivered)),
                "delivered_twice": len(delivered) - len(set(delivered)),
                "invalid": sum(not item["valid"] for item in items),
                "answered_500": sum(item["status"] == 500 for item in items),
                "ids": len({item["id"] for item in items}),
                "last_at": max((item["at"] for item in items), default=None),
            }
            return self._answer(200, json.dumps(summary).encode())
        if self.path == "/_received":
            with self.state.lock:
                lines = "".join(json.dumps(item) + "\n" for item in self.state.received)
            return self._answer(200, lines.encode())
        return self._answer(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        state = self.state
        if self.path == "/_configure":
            config = json.loads(body)
            with state.lock:
                state.paths.setdefault(config.pop("path"), {}).update(config)
            return self._answer(204)
        if self.path == "/_reset":
            with state.lock:
                state.received.clear()
            return self._answer(204)
        with state.lock:
            config = dict(state.paths.get(self.path) or {})
            fail_rate = config.get("fail_rate", state.default_fail_rate)
            unlucky = fail_rate and state.random.random() < fail_rate
        if not config.get("secret"):
            return self._answer(404)
        message_id = self.headers.get("webhook-id")
        valid = verify(
            config["secret"],
            message_id,
            self.headers.get("webhook-timestamp"),
            body,
            self.headers.get("webhook-signature"),
        )
        status = 401 if not valid else (500 if unlucky else config.get("status", 200))
        if config.get("delay"):
            time.sleep(config["delay"])
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        with state.lock:
            state.received.append(
                {
                    "path": self.path,
                    "id": message_id,
                    "timestamp": self.headers.get("webhook-timestamp"),
                    "valid": valid,
                    "status": status,
                    "body": parsed,
                    "at": time.time(),
                }
            )
        self._answer(status, b'{"ok":true}' if status < 300 else b'{"ok":false}')


def main():
    port = int(sys.argv[1])
    arguments = dict(zip(sys.argv[2::2], sys.argv[3::2], strict=False))
    Handler.state = State(float(arguments.get("--fail-rate", 0)), int(arguments.get("--seed", 1)))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
