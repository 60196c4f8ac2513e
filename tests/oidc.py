"""A real OpenID Connect provider on loopback for the SSO tests.

``OidcProvider`` runs the ``oidc-provider-mock`` server (PyPI, pinned in
requirements-dev.txt) as its own process: discovery, an authorization page that signs
in whichever ``sub`` is posted to it, a token endpoint, its JWKS and an end-session
endpoint — the app talks to it over HTTP exactly as to Keycloak.

That provider only issues correct tokens for the client that asks. For a token meant
for another client, or signed by a key the provider does not publish, ``Tampering``
stands in front of it: a small HTTP server of ours on loopback that publishes the
real provider's discovery under its own issuer, lets the real provider authenticate
and exchange the code, and hands back the real ID token's claims changed and signed
again by its own key — an outside provider misbehaving, not a mock of our code.
"""

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.ports import free_port


class OidcProvider:
    """``python -m oidc_provider_mock`` on a free port; ``token_max_age`` (seconds, may
    be negative: a provider whose tokens are already expired) sets the ID tokens' ``exp``."""

    def __init__(self, *, token_max_age=3600):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token_max_age = token_max_age
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                f"--token-max-age={self.token_max_age}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            assert self.process.poll() is None, "oidc-provider-mock exited"
            try:
                if requests.get(f"{self.url}/.well-known/openid-configuration", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "oidc-provider-mock did not start"
            time.sleep(0.1)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def add_user(self, sub, **claims):
        """A person the provider knows, with the claims its tokens will carry (its own ``PUT /users/<sub>``)."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def log_in(self, authorize_url, sub):
        """What the person does on the provider's page: sign in as ``sub``. Returns the
        path and query of the redirect back to the app (the callback)."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        back = urlsplit(response.headers["Location"])
        return f"{back.path}?{back.query}"


class Tampering:
    """An issuer of our own in front of ``provider``: ``change(claims)`` alters the real
    ID token's claims, and the token is signed with ``signing_key`` — the published
    key by default, or any other."""

    def __init__(self, provider, change=None, *, sign_with_unpublished_key=False):
        self.provider = provider
        self.change = change or (lambda claims: claims)
        self.published = RSAKey.generate_key(2048, parameters={"kid": "stand-in"})
        self.signing_key = (
            RSAKey.generate_key(2048, parameters={"kid": "stand-in"}) if sign_with_unpublished_key else self.published
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.token_requests = []  # the form bodies the app sent to the token endpoint

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def discovery(self):
        document = requests.get(f"{self.provider.url}/.well-known/openid-configuration", timeout=5).json()
        return {**document, "issuer": self.url, "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks"}

    def token(self, body, headers):
        """The real exchange at the real provider, then the ID token changed and signed again."""
        self.token_requests.append(parse_qs(body.decode()))
        answer = requests.post(f"{self.provider.url}/oauth2/token", data=body, headers=headers, timeout=5)
        token = answer.json()
        if answer.ok and "id_token" in token:
            real_keys = KeySet.import_key_set(requests.get(f"{self.provider.url}/jwks", timeout=5).json())
            claims = dict(jwt.decode(token["id_token"], real_keys).claims)
            claims = self.change({**claims, "iss": self.url})
            token["id_token"] = jwt.encode({"alg": "RS256", "kid": "stand-in"}, claims, self.signing_key)
        return answer.status_code, token

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    self._json(200, stand_in.discovery())
                elif self.path == "/jwks":
                    self._json(200, KeySet([stand_in.published]).as_dict(private=False))
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                if self.path != "/token":
                    return self._json(404, {"error": "not_found"})
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                forwarded = {
                    name: self.headers[name] for name in ("Authorization", "Content-Type") if name in self.headers
                }
                self._json(*stand_in.token(body, forwarded))

            def _json(self, status, document):
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler
