"""The address people reach the app at when ``make run`` serves it on HOST:PORT.

``bin/run-dev`` asks this module for the public address (``PUBLIC_BASE_URL``, printed
on every QR code, link sheet and PDF) unless it is set: the host it serves on, or —
for ``0.0.0.0``, every interface — the machine's address on its network, so that a
phone on the same Wi-Fi can open the QR codes.
"""

import ipaddress
import socket
import sys

EVERY_INTERFACE = {"0.0.0.0", "::", ""}
# Connecting a UDP socket sends nothing: the kernel only picks the local address it
# would route through. A public address finds the default route (the LAN); the
# private ones cover a network with no way out.
PROBES = ("1.1.1.1", "10.255.255.255", "172.31.255.255", "192.168.255.255")


def lan_address():
    """The machine's IPv4 address on its network, or None when it has none."""
    for probe in PROBES:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.connect((probe, 9))
            except OSError:
                continue
            address = sock.getsockname()[0]
        if not ipaddress.ip_address(address).is_loopback and address != "0.0.0.0":
            return address
    return None


def public_base_url(host, port):
    """``http://host:port`` for a server bound to ``host``; every interface means the
    machine's LAN address (loopback when it has none)."""
    if host in EVERY_INTERFACE:
        host = lan_address() or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{int(port)}"


def is_loopback(hostname):
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


if __name__ == "__main__":
    print(public_base_url(sys.argv[1], sys.argv[2]))
