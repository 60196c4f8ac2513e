"""A real local PKI for the seal's tests, over HTTP on loopback: a root CA, an
agency's seal certificate (with OCSP and CRL addresses), a revoked one, and an
RFC 3161 time-stamping authority — Certomancer's Animator (by pyHanko's author),
served by werkzeug in a thread. One per test session (per xdist worker).

The TSA asks for HTTP basic credentials, like BSSN's: the app must send the
configured ones or get a 401.
"""

import base64
import datetime
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import make_server

ARCH = "netralitas"
P12_PASSWORD = "pki-uji"
TSA_USER, TSA_PASSWORD = "instansi-uji", "rahasia-tsa"
KEYS = ("root", "interm", "interm-ocsp", "agency", "revoked", "tsa", "tsa2")
# The seal certificate expires before the TSA's: long-term validation must cover it.
SEAL_DAYS = 60
TSA_DAYS = 3 * 365
TSA2_DAYS = 5 * 365  # a later TSA certificate: archival timestamps are renewed with it


@dataclass
class LocalPKI:
    url: str
    directory: Path
    root_pem: Path
    agency_p12: Path
    revoked_p12: Path
    tsa_valid_until: datetime.datetime
    server: object
    app: object  # BasicAuthOnTSA

    @property
    def tsa_url(self):
        return f"{self.url}/{ARCH}/tsa/tsa"

    @property
    def tsa2_url(self):
        return f"{self.url}/{ARCH}/tsa/tsa2"

    def close(self):
        self.server.shutdown()


def _write_keys(directory):
    for label in KEYS:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (directory / f"{label}.key.pem").write_bytes(pem)


def _config(url, now):
    fmt = "%Y-%m-%dT%H:%M:%S+0000"

    def validity(days_before, days_after):
        return {
            "valid-from": (now - datetime.timedelta(days=days_before)).strftime(fmt),
            "valid-to": (now + datetime.timedelta(days=days_after)).strftime(fmt),
        }

    def key_usage(*uses):
        return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(uses)}}

    def crl_from(repo):
        return {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}},
        }

    ocsp_from_interm = {
        "id": "authority_information_access",
        "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["interm"]}},
    }
    seal = {
        "issuer": "interm",
        "validity": validity(30, SEAL_DAYS),
        "extensions": [key_usage("digital_signature", "non_repudiation"), crl_from("interm"), ocsp_from_interm],
    }
    return {
        "external-url-prefix": url,
        "keysets": {ARCH: {"keys": {label: {"path": f"{label}.key.pem"} for label in KEYS}}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "ID", "organization-name": "PKI Uji Netralitas"},
                "entities": {
                    "root": {"common-name": "Root CA Uji"},
                    "interm": {"common-name": "CA Penerbit Uji"},
                    "interm-ocsp": {"common-name": "OCSP Uji"},
                    "agency": {
                        "organization-name": "Pemerintah Kota Bukittinggi",
                        "common-name": "Segel Pemkot Bukittinggi",
                    },
                    "revoked": {"organization-name": "Pemerintah Kota Bukittinggi", "common-name": "Segel dicabut"},
                    "tsa": {"common-name": "TSA Uji"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": validity(365, 3650),
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "interm": {
                        "issuer": "root",
                        "validity": validity(365, 3000),
                        "extensions": [
                            {
                                "id": "basic_constraints",
                                "critical": True,
                                "value": {"ca": True, "path-len-constraint": 0},
                            },
                            key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                            crl_from("root"),
                        ],
                    },
                    "interm-ocsp": {
                        "issuer": "interm",
                        "validity": validity(365, 3000),
                        "extensions": [
                            key_usage("digital_signature"),
                            {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    "agency": seal,
                    "revoked": {
                        **seal,
                        "revocation": {
                            "revoked-since": (now - datetime.timedelta(days=1)).strftime(fmt),
                            "reason": "key_compromise",
                        },
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": validity(30, TSA_DAYS),
                        "extensions": [
                            key_usage("digital_signature"),
                            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                            crl_from("root"),
                        ],
                    },
                    "tsa2": {
                        "template": "tsa",
                        "subject": "tsa",
                        "subject-key": "tsa2",
                        "validity": validity(1, TSA2_DAYS),
                    },
                },
                "services": {
                    "ocsp": {
                        "interm": {
                            "for-issuer": "interm",
                            "responder-cert": "interm-ocsp",
                            "signing-key": "interm-ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P90D"},
                        "interm": {
                            "for-issuer": "interm",
                            "signing-key": "interm",
                            "simulated-update-schedule": "P30D",
                        },
                    },
                    "time-stamping": {
                        "tsa": {"signing-key": "tsa", "signing-cert": "tsa"},
                        "tsa2": {"signing-key": "tsa2", "signing-cert": "tsa2"},
                    },
                },
            }
        },
    }


class BasicAuthOnTSA:
    """WSGI middleware: the TSA endpoint wants the configured credentials."""

    def __init__(self, app):
        self.app = app
        self.expected = "Basic " + base64.b64encode(f"{TSA_USER}:{TSA_PASSWORD}".encode()).decode()
        self.requests = []  # every path asked for, in order: tests count fetches

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        self.requests.append(path)
        if "/tsa/" in path and environ.get("HTTP_AUTHORIZATION") != self.expected:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="tsa"')])
            return [b"credentials required"]
        return self.app(environ, start_response)


def start(directory):
    """Generate the keys, start the server on a free loopback port, build the PKI
    with that address in its certificates, and export the seal certificates."""
    directory.mkdir(parents=True, exist_ok=True)
    _write_keys(directory)
    server = make_server("127.0.0.1", 0, lambda environ, start_response: [], threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    config = CertomancerConfig.from_yaml(yaml.safe_dump(_config(url, now)), key_search_dir=str(directory))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    server.app = app = BasicAuthOnTSA(Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    root_pem = directory / "root.pem"
    root_pem.write_bytes(_pem(arch.get_cert(CertLabel("root"))))
    paths = {}
    for label in ("agency", "revoked"):
        paths[label] = directory / f"{label}.p12"
        paths[label].write_bytes(arch.package_pkcs12(CertLabel(label), password=P12_PASSWORD.encode()))
    return LocalPKI(
        url=url,
        directory=directory,
        root_pem=root_pem,
        agency_p12=paths["agency"],
        revoked_p12=paths["revoked"],
        tsa_valid_until=arch.get_cert(CertLabel("tsa")).not_valid_after,
        server=server,
        app=app,
    )


def _pem(certificate):
    body = base64.encodebytes(certificate.dump()).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n").encode()
