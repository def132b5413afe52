#!/usr/bin/env python3
"""An app that pins its servers' certificates: it trusts the system's roots AND checks that the
certificate is the one it was built with, so an installed state root does not help a box.

    tlslab test --trust web,state -- python3 examples/python-pinning-client.py {url}

A real app compiles its pins in. The lab makes fresh keys for every run, so tlslab gives this
run's pins in the file TLSLAB_PINS_FILE names: {"bank.example": {"certSha256": "…"}, …}.
"""
import hashlib
import json
import os
import socket
import ssl
import sys
import urllib.parse

url = urllib.parse.urlsplit(sys.argv[1])
host = url.hostname
with open(os.environ["TLSLAB_PINS_FILE"]) as f:
    pin = json.load(f)[host]["certSha256"]

context = ssl.create_default_context()
try:
    with socket.create_connection((host, 443), timeout=10) as raw, context.wrap_socket(raw, server_hostname=host) as tls:
        seen = hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()
        if seen != pin:
            # Hang up before sending anything: the password never leaves.
            print(f"{host}: certificate pin mismatch: got sha256 {seen}, pinned {pin}", file=sys.stderr)
            sys.exit(1)
        tls.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        print(tls.recv(200).split(b"\r\n")[0].decode())
except ssl.SSLCertVerificationError as e:
    print(f"{host}: {e.verify_message}", file=sys.stderr)
    sys.exit(1)
