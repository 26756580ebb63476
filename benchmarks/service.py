"""Benchmark the subscription service: one-click unsubscribes and sign-ups per second, and their latency.

    python -m benchmarks.service [--readers 3000] [--signups 1000] [--concurrency 16] [--workdir DIR] [--json FILE]

The service runs as ``build-site subscriptions serve`` (uvicorn, one process) on
127.0.0.1, with a copy of the bundled project whose store holds ``--readers``
subscribers and a real SMTP server (aiosmtpd, in this process) for the confirmation
mails. The client (httpx, ``--concurrency`` connections at once) runs in this
process too, on the same cores, as a reverse proxy would:

- one-click: a POST ``List-Unsubscribe=One-Click`` to each reader's own link (RFC 8058), every
  reader once; each one a committed transaction (synchronous=FULL) before its answer;
- sign-up: a POST of the form for each new address; each one a pending subscriber and its
  confirmation mail queued in one transaction, which the outbox then sends meanwhile.

Targets (issue 24): one-click >= 200/s with p99 <= 50 ms on 2 cores; sign-ups >= 50/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret-of-32-characters"
LIST_KEY = "e877c43b-2724-4295-9a81-d436c47564a7"


def project(workdir: Path, smtp_port: int, service_port: int) -> Path:
    """A copy of the bundled project whose service runs at ``service_port`` and mails through ``smtp_port``."""
    root = workdir / "project"
    for part in ("content", "templates", "computed"):
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    site = root / "content/site.yaml"
    text = site.read_text()
    text = text.replace("email:\n", f"email:\n  service_url: http://127.0.0.1:{service_port}/\n", 1)
    text = text[: text.index("\ndelivery:\n") + 1] + (
        "delivery:\n"
        f"  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout: 10}}\n"
        "  subscribers: subscribers.sqlite\n"
        "  signups_per_client: 1000000\n"
    )
    site.write_text(text)
    return root


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def fire(urls_and_bodies: list[tuple[str, bytes]], concurrency: int) -> tuple[float, list[float], list[int]]:
    """POST each body to its URL, ``concurrency`` at once: (seconds in all, latency of each in ms, statuses)."""
    import httpx

    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in urls_and_bodies:
        queue.put_nowait(item)
    latencies: list[float] = []
    statuses: list[int] = []
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            url, body = queue.get_nowait()
            started = time.perf_counter()
            answer = await client.post(url, content=body, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses.append(answer.status_code)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, statuses


def summary(name: str, seconds: float, latencies: list[float], statuses: list[int]) -> dict[str, float | int | str]:
    return {
        "scenario": name,
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "non_200": sum(1 for status in statuses if status != 200),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=3000)
    parser.add_argument("--signups", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from aiosmtpd.controller import Controller

    from site_builder.delivery.store import Store
    from site_builder.delivery.unsubscribe import UNSUBSCRIBE, make_token

    class Sink:
        received = 0

        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            Sink.received += 1
            return "250 OK"

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="service-bench-"))
    smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    root = project(workdir, smtp.port, port)
    today = dt.datetime.now(dt.UTC).date()
    with Store.open(root / "subscribers.sqlite") as store:
        readers = [store.subscribe(f"reader{i}@example.org", "", "cli") for i in range(args.readers)]
    tokens = [make_token(SECRET.encode(), LIST_KEY, UNSUBSCRIBE, r.id, r.epoch, today) for r in readers]
    env = {**os.environ, "BUILD_SITE_UNSUBSCRIBE_SECRET": SECRET}
    service = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "subscriptions", "serve", "--root", str(root), "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    results = []
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "health", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        one_click = [(f"{base}unsubscribe?token={token}", b"List-Unsubscribe=One-Click") for token in tokens]
        results.append(summary("one-click unsubscribe", *asyncio.run(fire(one_click, args.concurrency))))
        signups = [(f"{base}subscribe", f"email=new{i}%40example.org".encode()) for i in range(args.signups)]
        results.append(summary("sign-up (mail queued)", *asyncio.run(fire(signups, args.concurrency))))
        waited = time.monotonic()
        while Sink.received < args.signups and time.monotonic() < waited + 120:
            time.sleep(0.2)
        results[-1]["mails_sent"] = Sink.received
        results[-1]["all_mails_sent_s_after_the_last_sign_up"] = round(time.monotonic() - waited, 1)
    finally:
        service.terminate()
        service.wait(timeout=30)
        smtp.stop()
    with Store.open(root / "subscribers.sqlite") as store:
        left = len(store.rows("unsubscribed"))
    report = {
        "cores": os.cpu_count(),
        "concurrency": args.concurrency,
        "unsubscribed_in_store": left,
        "results": results,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
