"""Ack latency of `/leadfeedback` quick forms and button clicks against `leadloop serve`.

    python -m bench.ack_latency [--leads 200000] [--feedback 1000000] [--concurrency 1 10 50]
                                [--seconds 5] [--generator wrk|httpx] [--setting false true]
                                [--database-url postgresql://…]

Starts the Slack stand-in here, then real uvicorn servers as separate processes on loopback:
leadloop (the `leadloop serve` path, on a database seeded with --leads leads and --feedback
feedback rows) and the floor, a bare Bolt AsyncApp whose listeners only ack. Both run with the
same Bolt process_before_response setting in each comparison; each setting named by --setting
is measured in turn. Requests are signed and form-encoded as Slack sends them:

- quick form: `/leadfeedback leadN@bench.io hot` (finds the lead, stores feedback, answers);
- snooze click: a nudge's Snooze button on lead N (reads and updates the lead);
- undo click: Undo of a feedback record that does not exist (one lookup, then a refusal).

The time to the HTTP answer is the ack latency. The load comes from wrk (compiled; a Lua script
rotates through pre-signed requests) when it is installed, else from httpx in this process.
A click's work runs after its ack, so after each run the benchmark waits until that work is
done before the next starts ("work left s": how long that took), so that no run is slowed
by the one before.
Prints a table and writes bench/results/ack_latency.json.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
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
from bot.demo.signed_requests import TEAM, block_action
from bot.demo.slack_standin import SlackStandIn
from handlers.views import ids
from tests.factories import BOT_TOKEN, SIGNING_SECRET, command_form, sign

RESULTS = Path(__file__).parent / "results"
BODIES = 400
MISSING_FEEDBACK_ID = "999999999"
KINDS = ("quick form", "snooze click", "undo click")
# The longest wait for a cell's work after the ack to finish before the next cell starts.
DRAIN_LIMIT_S = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_until_up(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if (await client.get(f"{base}/healthz")).status_code in (200, 404, 503):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"server at {base} did not start")


def _bodies(kind: str, leads: int, response_url: str, rng: random.Random) -> list[str]:
    """Pre-built form bodies for one kind of request."""
    bodies = []
    for _ in range(BODIES):
        n = rng.randrange(leads)
        if kind == "quick form":
            form = command_form(f"lead{n}@bench.io hot", response_url=response_url)
        else:
            action, value = (
                (ids.NUDGE_SNOOZE, str(n + 1))
                if kind == "snooze click"
                else (ids.FEEDBACK_UNDO, MISSING_FEEDBACK_ID)
            )
            payload = block_action(action, value, response_url=response_url, message_ts="1.000")
            form = {"payload": json.dumps(payload)}
        bodies.append(urlencode(form))
    return bodies


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


async def _httpx_run(base: str, bodies: list[str], concurrency: int, seconds: float) -> dict:
    """Send signed bodies for `seconds` with `concurrency` in flight; percentiles in ms."""
    latencies: list[float] = []
    signed = [(body, sign(body)) for body in bodies]
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(offset: int) -> None:
            n = offset
            while time.perf_counter() < deadline:
                body, headers = signed[n % len(signed)]
                n += concurrency
                started = time.perf_counter()
                response = await client.post("/slack/events", content=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")

        await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return {**_percentiles(latencies), "requests": len(latencies), "errors": 0}


_WRK_SCRIPT = """
local bodies = {%(bodies)s}
local signatures = {%(signatures)s}
local counter = 0
request = function()
  counter = counter %% #bodies + 1
  return wrk.format("POST", "/slack/events", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Slack-Request-Timestamp"] = "%(timestamp)s",
    ["X-Slack-Signature"] = signatures[counter],
  }, bodies[counter])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"p50": %%.2f, "p95": %%.2f, "p99": %%.2f, "requests": %%d, "errors": %%d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def _wrk_run(base: str, bodies: list[str], concurrency: int, seconds: float, tmp: str) -> dict:
    """The same, from wrk: one timestamp signs every body (Slack allows five minutes)."""
    timestamp = int(time.time())
    signatures = [sign(body, timestamp=timestamp)["X-Slack-Signature"] for body in bodies]
    script = Path(tmp) / "requests.lua"
    script.write_text(
        _WRK_SCRIPT
        % {
            "bodies": ",".join(f"[==[{body}]==]" for body in bodies),
            "signatures": ",".join(f'"{s}"' for s in signatures),
            "timestamp": timestamp,
        }
    )
    threads = min(concurrency, 2)
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "-s", str(script)]
    output = subprocess.run(
        [*command, "--timeout", "10s", base], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def _drained(standin: SlackStandIn) -> float:
    """Wait until the servers' work after the ack is done; the seconds that took.

    A click is acknowledged before its work (a transaction, then a chat.update or a
    response_url post) runs, so a cell can end with a queue of that work still to do. Left
    alone, it would run during the next cell and be counted against it. Done means the
    stand-in has heard nothing new for half a second.
    """
    started = time.perf_counter()
    heard = -1
    while time.perf_counter() - started < DRAIN_LIMIT_S:
        now_heard = len(standin.calls) + len(standin.responses)
        if now_heard == heard:
            break
        heard = now_heard
        await asyncio.sleep(0.5)
    return round(time.perf_counter() - started - 0.5, 1)


async def _measure_setting(
    setting: str,
    env: dict[str, str],
    bodies: dict[str, list[str]],
    options: argparse.Namespace,
    standin: SlackStandIn,
) -> dict:
    app_port, floor_port = _free_port(), _free_port()
    servers = [
        _start(["-m", "bench.leadloop_server", str(app_port)], env),
        _start(["-m", "bench.floor_app", setting, str(floor_port)], env),
    ]
    targets = {
        "leadloop": f"http://127.0.0.1:{app_port}",
        "floor": f"http://127.0.0.1:{floor_port}",
    }
    results: dict = {}
    try:
        for base in targets.values():
            await _wait_until_up(base)
        with tempfile.TemporaryDirectory() as tmp:
            for concurrency in options.concurrency:
                for kind in KINDS:
                    for name, base in targets.items():
                        if options.generator == "wrk":
                            _wrk_run(base, bodies[kind][:50], concurrency, 1, tmp)  # warm up
                            await _drained(standin)
                            seconds = options.seconds
                            figures = _wrk_run(base, bodies[kind], concurrency, seconds, tmp)
                        else:
                            await _httpx_run(base, bodies[kind][:50], concurrency, 1)
                            await _drained(standin)
                            figures = await _httpx_run(
                                base, bodies[kind], concurrency, options.seconds
                            )
                        figures["drain_s"] = await _drained(standin)
                        results.setdefault(kind, {}).setdefault(str(concurrency), {})[name] = (
                            figures
                        )
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    return results


async def run(options: argparse.Namespace, database_url: str) -> dict:
    """Seed, then measure each setting, kind and concurrency; the results as a dict."""
    await seed(database_url, leads=options.leads, feedback=options.feedback)
    results: dict = {
        "database": database_url.split(":")[0].split("+")[0],
        "leads": options.leads,
        "feedback": options.feedback,
        "generator": options.generator,
        "seconds": options.seconds,
        "settings": {},
    }
    rng = random.Random(9)
    # The stand-in's auth.test names the workspace the requests come from, as Slack's would.
    with SlackStandIn(token=BOT_TOKEN, team_id=TEAM) as standin:
        url = standin.response_url("bench")
        bodies = {kind: _bodies(kind, options.leads, url, rng) for kind in KINDS}
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.base_url,
            "DATABASE_URL": database_url,
            "LEADLOOP_LOG_LEVEL": "WARNING",
        }
        for setting in options.setting:
            results["settings"][setting] = await _measure_setting(
                setting, env, bodies, options, standin
            )
    return results


def table(results: dict) -> str:
    """The results as a Markdown table."""
    lines = [
        f"{results['database']}, {results['leads']:,} leads, {results['feedback']:,} feedback, "
        f"load from {results['generator']}, {results['seconds']} s per cell",
        "",
        "| process_before_response | request | c | leadloop p50 / p95 / p99 ms | "
        "floor p50 / p95 / p99 ms | p50 ratio | leadloop req/s | leadloop work left s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    seconds = results["seconds"]
    for setting, kinds in results["settings"].items():
        for kind, by_concurrency in kinds.items():
            for c, pair in by_concurrency.items():
                ours, floor = pair["leadloop"], pair["floor"]
                ratio = ours["p50"] / floor["p50"] if floor["p50"] else float("nan")
                errors = f" ({ours['errors']} errors)" if ours.get("errors") else ""
                lines.append(
                    f"| {setting} | {kind} | {c} | {ours['p50']} / {ours['p95']} / {ours['p99']} "
                    f"| {floor['p50']} / {floor['p95']} / {floor['p99']} | {ratio:.2f} "
                    f"| {ours['requests'] / seconds:.0f}{errors} | {ours['drain_s']} |"
                )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--feedback", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument(
        "--generator", choices=("wrk", "httpx"), default="wrk" if shutil.which("wrk") else "httpx"
    )
    parser.add_argument(
        "--setting", nargs="+", choices=("false", "true"), default=["false", "true"]
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--output", default="ack_latency")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.db"
        results = asyncio.run(run(options, url))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{options.output}.json").write_text(json.dumps(results, indent=2))
    sys.stdout.write(table(results))


if __name__ == "__main__":
    main()
