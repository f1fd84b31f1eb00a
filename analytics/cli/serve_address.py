"""`python -m analytics serve-address [--address A]`: where `make run` lets the dashboard listen."""
from __future__ import annotations

import sys

from analytics.ops import serving


def register(sub) -> None:
    parser = sub.add_parser("serve-address", help="print the address the dashboard may listen on",
                            description="Print the --server.address for the dashboard (empty: every interface). "
                                        "Without users or an identity provider in .streamlit/secrets.toml it is 127.0.0.1, this computer "
                                        f"only, unless {serving.ALLOW_OPEN_ACCESS}=1 is set; asking for another "
                                        "address without either is refused (exit 1).")
    parser.add_argument("--address", default="", metavar="A",
                        help="the address asked for (make run ADDRESS=...); empty: the safe default")
    parser.set_defaults(run=run)


def run(args) -> int:
    users = serving.users_configured()
    open_access = serving.open_access_allowed()
    address = serving.serve_address(args.address, users, open_access)  # ExposureError: refused, exit 1
    if not users and not serving.is_loopback(address):
        print(f"WARNING: no users are configured and {serving.ALLOW_OPEN_ACCESS} is set: anyone who can reach "
              "this address can see and change everything without signing in.", file=sys.stderr)
    elif not users:
        print(f"No users are configured: serving on {address} (this computer only). To serve on the network, "
              "add users to .streamlit/secrets.toml (README, Sign-in and roles).", file=sys.stderr)
    print(address)
    return 0
