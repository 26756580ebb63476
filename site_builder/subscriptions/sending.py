"""``POST /send``: a scheduled job elsewhere (the GitHub workflow) asks the host that keeps the list and the ledger to send.

The subscriber store and the delivery ledger stay on this host, where they last and are
backed up; the job only says when. Both routes want ``Authorization: Bearer TOKEN``
with ``BUILD_SITE_SEND_TOKEN`` (without it they do not exist). ``POST /send`` (body
``{"date": "YYYY-MM-DD"}``, or empty for the publication day) brings the project up to
date when it is a git checkout (``git pull --ff-only``: the issue the job just published)
and starts ``build-site send`` as a process of its own, answering 202 and the run's
number, or 409 while another send runs; ``GET /send/N`` says whether it still runs, its
exit status (that of ``send``: 0, 1, 2 or 4) and the end of its log.
"""

from __future__ import annotations

import hmac
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .config import ServiceConfig

LOG_TAIL = 8192
"""Characters of a run's log that ``GET /send/N`` shows: the summary and what failed."""


class Service(Protocol):
    config: ServiceConfig


@dataclass
class Run:
    """One send started through the service."""

    number: int
    date: str
    exit_code: int | None = None
    log: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def answer(self) -> dict[str, object]:
        state = "done" if self.done.is_set() else "running"
        return {
            "run": self.number,
            "date": self.date,
            "state": state,
            "exit_code": self.exit_code,
            "log": self.log[-LOG_TAIL:],
        }


def send_routes(service: Service) -> list[Route]:
    """The routes of ``POST /send`` and ``GET /send/N``."""
    runs: list[Run] = []
    lock = threading.Lock()

    def allowed(request: Request) -> Response | None:
        token = service.config.send_token
        if not token:
            return PlainTextResponse("Not Found", status_code=404)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
            return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return None

    async def start(request: Request) -> Response:
        refused = allowed(request)
        if refused is not None:
            return refused
        body = await request.body()
        date = ""
        if body.strip():
            match = re.fullmatch(rb'\s*\{\s*"date"\s*:\s*"(\d{4}-\d{2}-\d{2})?"\s*\}\s*', body)
            if match is None:
                return PlainTextResponse('Bad Request: the body is {"date": "YYYY-MM-DD"} or nothing', status_code=400)
            date = (match.group(1) or b"").decode()
        with lock:
            if runs and not runs[-1].done.is_set():
                return JSONResponse(runs[-1].answer(), status_code=409)
            run = Run(len(runs) + 1, date)
            runs.append(run)
        threading.Thread(target=_send, args=(service.config.root, run), name=f"send-{run.number}", daemon=True).start()
        return JSONResponse(run.answer(), status_code=202)

    async def status(request: Request) -> Response:
        refused = allowed(request)
        if refused is not None:
            return refused
        number = int(request.path_params["number"])
        if not 1 <= number <= len(runs):
            return PlainTextResponse("Not Found", status_code=404)
        return JSONResponse(runs[number - 1].answer())

    return [Route("/send", start, methods=["POST"]), Route("/send/{number:int}", status, methods=["GET"])]


def _send(root: Path, run: Run) -> None:
    """Bring the checkout up to date, then ``build-site send``; the log and exit status go into ``run``."""
    try:
        if (root / ".git").exists():
            pulled = subprocess.run(
                ["git", "-C", str(root), "pull", "--ff-only", "--quiet"], capture_output=True, text=True, check=False
            )
            run.log += pulled.stdout + pulled.stderr
            if pulled.returncode != 0:
                run.log += f"git pull failed with exit status {pulled.returncode}: nothing sent\n"
                run.exit_code = 1
                return
        command = [sys.executable, "-m", "site_builder", "send", "--root", str(root)]
        sent = subprocess.run(
            [*command, *(["--date", run.date] if run.date else [])], capture_output=True, text=True, check=False
        )
        run.log += sent.stdout + sent.stderr
        run.exit_code = sent.returncode
    except OSError as exc:
        run.log += f"could not start: {exc}\n"
        run.exit_code = 1
    finally:
        run.done.set()
