"""Benchmark the subscription service: one-click unsubscribes and sign-ups per second, and their latency.

    python -m benchmarks.service [--readers 3000] [--signups 1000] [--concurrency 16] [--rate 250]
                                 [--workdir DIR] [--json FILE]

The service runs as ``build-site subscriptions serve`` (uvicorn, one process) on
127.0.0.1, with a copy of the bundled project whose store holds ``2 x --readers``
subscribers and a real SMTP server (aiosmtpd, in this process) for the confirmation
mails. The client (HTTP/1.1 keep-alive on asyncio's streams: an HTTP library costs
about as much CPU as the service) runs in this process too, on the same cores:

- one-click, closed loop: a POST ``List-Unsubscribe=One-Click`` to each of ``--readers`` readers'
  own link (RFC 8058), ``--concurrency`` at once: the most per second; each one a committed
  transaction (synchronous=FULL) before its answer;
- one-click at ``--rate``: the other readers' POSTs at that rate whether or not earlier ones were
  answered (an open loop, as mailbox providers send them), each one's latency counted from the
  moment it was due: a stall of the service shows in every request that arrived during it, which
  a closed loop hides (its clients stop sending while they wait);
- sign-up: a POST of the form for each new address; each one a pending subscriber and its
  confirmation mail queued in one transaction, which the outbox then sends meanwhile.

Each scenario also reports the service's own time per request (its access log), how long the
service's and the client's threads waited for a core, and how long the machine's tasks stalled on
CPU and on I/O (Linux PSI): on a shared machine, whose tail it is.

Targets (issue 24): one-click >= 200/s with p99 <= 50 ms on 2 cores; sign-ups >= 50/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

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
    text = re.sub(r"(?m)^  service_url: .*$", f"  service_url: http://127.0.0.1:{service_port}/", text)
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


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs forms and reads the answers' status.

    Written on asyncio's streams rather than with an HTTP library: the client shares the two cores
    with the service, and httpx spends about as much CPU on a request as the service does, which
    then shows as the service's latency (measured: docs/publishing.md, "How fast").
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, target: str, body: bytes) -> int:
        """POST ``body`` (a form) to ``target`` (path and query); the answer's status code."""
        self.writer.write(
            f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?im)^content-length: *([0-9]+)", head).group(1))  # type: ignore[union-attr]
        await self.reader.readexactly(length)
        return int(head.split(b" ", 2)[1])

    def close(self) -> None:
        self.writer.close()


async def fire(port: int, requests: list[tuple[str, bytes]], concurrency: int) -> tuple[float, list[float], list[int]]:
    """POST each body to its target, ``concurrency`` at once, each as soon as the last answered (a closed loop).

    The most the service answers per second; the latency is then mostly the requests queued
    before it (``concurrency`` / rate, by Little's law), which the open loop below leaves out.
    """
    pending = list(reversed(requests))
    latencies: list[float] = []
    statuses: list[int] = []

    async def worker() -> None:
        connection = await Connection.open(port)
        try:
            while pending:
                target, body = pending.pop()
                started = time.perf_counter()
                statuses.append(await connection.post(target, body))
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, statuses


async def fire_at_rate(
    port: int, requests: list[tuple[str, bytes]], rate: float
) -> tuple[float, list[float], list[int]]:
    """POST the ``requests`` at ``rate`` per second, whether earlier ones have been answered or not (an open loop).

    As mailbox providers send one-click POSTs: each on its own schedule. A request's latency counts
    from the moment it was due, so a client or service that falls behind is not flattered by it.
    """
    idle: list[Connection] = []
    latencies: list[float] = []
    statuses: list[int] = []

    async def one(target: str, body: bytes, due: float) -> None:
        connection = idle.pop() if idle else await Connection.open(port)
        try:
            status = await connection.post(target, body)
        except (asyncio.IncompleteReadError, ConnectionError):  # closed by the server while idle (keep-alive 5 s)
            connection.close()
            connection = await Connection.open(port)
            status = await connection.post(target, body)
        statuses.append(status)
        latencies.append((time.perf_counter() - due) * 1000)
        idle.append(connection)

    tasks = []
    started = time.perf_counter()
    for i, (target, body) in enumerate(requests):
        due = started + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(target, body, due)))
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - started
    for connection in idle:
        connection.close()
    return seconds, latencies, statuses


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


def run_queue_ms(pid: int | str = "self") -> float:
    """Milliseconds the process's threads have waited for a core so far (Linux ``schedstat``; 0 elsewhere)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(task.read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e6


def stalled_ms(kind: str) -> float:
    """Milliseconds so far in which some task of the machine waited for ``kind`` (``cpu``, ``io``): Linux's PSI."""
    try:
        fields = Path(f"/proc/pressure/{kind}").read_text().split()
    except OSError:
        return 0.0
    return int(fields[4].removeprefix("total=")) / 1000


def served_ms(access_log: Path, skip: int) -> list[float]:
    """The service's own time for each request after the first ``skip`` lines of its access log."""
    lines = access_log.read_text().splitlines()[skip:]
    return [json.loads(line)["ms"] for line in lines if line.startswith("{")]


def measured(
    name: str, load: Coroutine[Any, Any, tuple[float, list[float], list[int]]], pid: int, access_log: Path
) -> dict[str, float | int | str]:
    """One scenario: the client's figures, the service's own time per request, and how long both waited for a core.

    The service's time (its access log: from the request's start to its answer's end) leaves out the
    client and the kernel's sockets; the run-queue waits say how much of the tail is the cores being busy.
    """
    before = len(access_log.read_text().splitlines())
    waited = run_queue_ms(pid), run_queue_ms(), stalled_ms("cpu"), stalled_ms("io")
    result = summary(name, *asyncio.run(load))
    served = served_ms(access_log, before)
    result["service_p50_ms"] = round(statistics.median(served), 2)
    result["service_p99_ms"] = round(percentile(served, 0.99), 2)
    result["service_waited_for_a_core_ms"] = round(run_queue_ms(pid) - waited[0])
    result["client_waited_for_a_core_ms"] = round(run_queue_ms() - waited[1])
    result["machine_stalled_on_cpu_ms"] = round(stalled_ms("cpu") - waited[2])
    result["machine_stalled_on_io_ms"] = round(stalled_ms("io") - waited[3])
    result["load_average"] = round(os.getloadavg()[0], 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=3000, help="readers unsubscribing in each one-click scenario")
    parser.add_argument("--signups", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16, help="requests at once in the closed loops")
    parser.add_argument("--rate", type=float, default=250.0, help="one-click POSTs per second in the open loop")
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
    with Store.open(root / "subscribers.sqlite") as store, store.transaction():
        readers = [store.subscribe(f"reader{i}@example.org", "", "cli") for i in range(2 * args.readers)]
    tokens = [make_token(SECRET.encode(), LIST_KEY, UNSUBSCRIBE, r.id, r.epoch, today) for r in readers]
    env = {**os.environ, "BUILD_SITE_UNSUBSCRIBE_SECRET": SECRET}
    access_log = workdir / "access.log"
    service = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "subscriptions", "serve", "--root", str(root), "--port", str(port)],
        env=env,
        stderr=access_log.open("w"),
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
        one_click = [(f"/unsubscribe?token={token}", b"List-Unsubscribe=One-Click") for token in tokens]
        most, steady = one_click[: args.readers], one_click[args.readers :]
        results.append(measured("one-click unsubscribe", fire(port, most, args.concurrency), service.pid, access_log))
        steady_load = fire_at_rate(port, steady, args.rate)
        results.append(measured(f"one-click at {args.rate:g}/s", steady_load, service.pid, access_log))
        signups = [("/subscribe", f"email=new{i}%40example.org".encode()) for i in range(args.signups)]
        results.append(
            measured("sign-up (mail queued)", fire(port, signups, args.concurrency), service.pid, access_log)
        )
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
        "rate": args.rate,
        "unsubscribed_in_store": left,
        "results": results,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
