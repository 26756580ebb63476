"""One JSON line per request on the ``site_builder.access`` logger: method, path, status, time; no address, no token.

The query string (where tokens travel) and the body (where addresses travel) are never
logged, nor the client's address: only the path, which names the page.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

log = logging.getLogger("site_builder.access")


class AccessLog:
    """ASGI middleware writing the access log."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info(
                "%s",
                json.dumps(
                    {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                ),
            )
