"""Ack latency of `/leadfeedback` quick forms against `leadloop serve`, next to the floor.

    python -m bench.ack_latency [--leads 200000] [--requests 300] [--concurrency 1 10 50]
                                [--database-url postgresql://…]

Starts the Slack stand-in here, then two real uvicorn servers as separate processes on
loopback: `leadloop serve` on a database seeded with --leads leads, and the floor, a bare Bolt
AsyncApp whose command listener only acks. Each sends signed, form-encoded slash commands, as
Slack does, and the time to the HTTP answer is the ack latency. Prints a table and writes
bench/results/ack_latency.json.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.seed import seed
from bot.slack_standin import SlackStandIn
from tests.factories import BOT_TOKEN, SIGNING_SECRET, command_form, sign

RESULTS = Path(__file__).parent / "results"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_until_up(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{base}/healthz")).status_code in (200, 404):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"server at {base} did not start")


async def _measure(base: str, texts: list[str], concurrency: int) -> list[float]:
    """Send the commands with at most `concurrency` in flight; latency of each, in ms."""
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for text in texts:
        queue.put_nowait(text)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                body = urlencode(command_form(queue.get_nowait()))
                started = time.perf_counter()
                response = await client.post("/slack/events", content=body, headers=sign(body))
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def run(leads: int, requests: int, concurrencies: list[int], database_url: str) -> dict:
    """Seed, start both servers, measure each concurrency; the results as a dict."""
    await seed(database_url, leads=leads, feedback=0)
    results: dict = {"leads": leads, "requests": requests, "database": database_url.split(":")[0]}
    with SlackStandIn(token=BOT_TOKEN) as standin:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.base_url,
            "DATABASE_URL": database_url,
            "LEADLOOP_LOG_LEVEL": "WARNING",
        }
        app_port, floor_port = _free_port(), _free_port()
        servers = [
            _start(["-m", "bot", "serve", "--port", str(app_port)], env),
            _start(["-m", "bench.floor_app", str(floor_port)], env),
        ]
        try:
            targets = {
                "leadloop": f"http://127.0.0.1:{app_port}",
                "floor": f"http://127.0.0.1:{floor_port}",
            }
            for base in targets.values():
                await _wait_until_up(base)
            for concurrency in concurrencies:
                for name, base in targets.items():
                    texts = [f"lead{n % max(leads, 1)}@bench.io hot" for n in range(requests)]
                    await _measure(base, texts[:20], concurrency)  # warm up
                    latencies = await _measure(base, texts, concurrency)
                    results.setdefault(name, {})[str(concurrency)] = _percentiles(latencies)
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)
    return results


def main() -> None:
    """Parse arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        results = asyncio.run(run(args.leads, args.requests, args.concurrency, url))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ack_latency.json").write_text(json.dumps(results, indent=2))
    sys.stdout.write(
        f"{results['database']}, {args.leads:,} leads, {args.requests} requests each\n"
    )
    sys.stdout.write(
        "concurrency | leadloop p50 / p95 / p99 ms | floor p50 / p95 / p99 ms | p50 ratio\n"
    )
    for c in map(str, args.concurrency):
        ours, floor = results["leadloop"][c], results["floor"][c]
        ratio = ours["p50"] / floor["p50"] if floor["p50"] else float("nan")
        sys.stdout.write(
            f"{c:>11} | {ours['p50']:>7} / {ours['p95']:>7} / {ours['p99']:>7} "
            f"| {floor['p50']:>6} / {floor['p95']:>6} / {floor['p99']:>6} | {ratio:.2f}\n"
        )


if __name__ == "__main__":
    main()
