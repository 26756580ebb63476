"""``build-site subscriptions serve``: the service under uvicorn, behind whatever reverse proxy the host has."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from .config import service_config


def serve(root: Path, host: str, port: int, forwarded_allow_ips: str) -> None:
    """Run the service until interrupted; the access log (one JSON line a request) goes to stderr."""
    import uvicorn

    from .app import make_app

    access = logging.getLogger("site_builder.access")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access.handlers[:] = [handler]
    access.setLevel(logging.INFO)
    access.propagate = False
    app = make_app(service_config(root))
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,  # the client's address from X-Forwarded-For, for the limits per client
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,  # uvicorn's own would log query strings, where the tokens are
        log_config=None,
        server_header=False,
    )
