#!/usr/bin/env python3
"""An ordinary HTTPS client, as most apps are: it trusts the system's roots and pins nothing.

    tlslab test --trust web,state -- python3 examples/python-client.py {url}

It logs in (a password in a form) and prints the status. Nothing in it knows about the lab: the
name resolves, the connection goes to port 443, and the roots are the system's.
"""
import sys
import urllib.parse
import urllib.request

url = sys.argv[1]
form = urllib.parse.urlencode({"username": "alice", "password": "Almaty-2019!"}).encode()
try:
    with urllib.request.urlopen(urllib.request.Request(url + "login", data=form), timeout=10) as response:
        print(response.status, response.url)
except urllib.error.HTTPError as e:
    # The site answered (404 for a site without a login form): TLS went through.
    print(e.code, url)
except urllib.error.URLError as e:
    print(f"{url}: {e.reason}", file=sys.stderr)
    sys.exit(1)
