"""The figures of issue 19 on one database, each next to its floor measured in the same run.

- ack: quick forms (`/leadfeedback leadN@bench.io hot`) at each concurrency against leadloop
  `serve` as shipped, floor A (bare Bolt, process_before_response=True) and floor B (bare
  Bolt as shipped, process_before_response=False): p50 / p95 / p99, requests a second, and
  the server's CPU per request.
- cpu: the CPU per quick form of leadloop and floor A at one concurrency (from the ack runs
  when they ran, else measured alone).
- workers: quick forms a second at concurrency 50 from `serve --workers 1` and `--workers 2`.
- digest: `compute_digest` for the seeded week against one GROUP BY rating over the same
  week's feedback (bench.digest.measure).

Every server is its own process on loopback, started here with the Slack stand-in's URL.
"""

import argparse
import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import dataset, load
from bench import digest as digest_bench
from bench.load import Bodies, Server
from bot.demo.signed_requests import command_form
from bot.demo.slack_standin import SlackStandIn

CPU_CONCURRENCY = 10
WORKERS_CONCURRENCY = 50
WARM_UP_SECONDS = 1
# The longest wait for the servers' work after the acks to finish before the next run.
DRAIN_LIMIT_S = 60
TARGETS = {
    "leadloop": ["-m", "bench.leadloop_server", "PORT"],
    "floor_a": ["-m", "bench.floor_app", "true", "PORT"],
    "floor_b": ["-m", "bench.floor_app", "false", "PORT"],
}


def quick_forms(leads: int, response_url: str, numbers: "itertools.count[int]") -> Bodies:
    """`/leadfeedback leadN@bench.io hot` bodies, each with its own trigger_id."""

    def make(number: int) -> str:
        lead = (number * 7919) % leads  # spread over the leads, the same each run
        form = command_form(f"lead{lead}@bench.io hot", response_url=response_url)
        form["trigger_id"] = f"bench-{number}"
        return urlencode(form)

    return Bodies(make, numbers)


def workers_supported() -> bool:
    """Whether the installed `leadloop serve` takes --workers."""
    usage = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--help"], capture_output=True, text=True
    ).stdout
    return "--workers" in usage


class Bench:
    """One database's run: its servers' environment, the load and the checks."""

    def __init__(
        self, options: argparse.Namespace, url: str, standin: SlackStandIn, tmp: Path
    ) -> None:
        self.options = options
        self.url = url
        self.standin = standin
        self.tmp = tmp
        self.bodies = quick_forms(options.leads, standin.response_url("bench"), itertools.count())
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": options.bot_token,
            "SLACK_SIGNING_SECRET": options.signing_secret,
            "SLACK_API_URL": standin.base_url,
            "DATABASE_URL": url,
            "LEADLOOP_LOG_LEVEL": "WARNING",
        }
        self.leadloop_servers: list[Server] = []
        self.answered = 0
        # Requests may be in flight when a run stops: answered after wrk stopped counting.
        self.in_flight = 0

    async def start(self, name: str, args: list[str]) -> Server:
        """A server up and answering."""
        server = load.start(name, args, self.env, self.tmp)
        if name.startswith("leadloop"):
            self.leadloop_servers.append(server)
        try:
            await load.wait_until_up(server)
        except load.ServerFailed:
            load.stop(server)
            raise
        return server

    async def drained(self) -> float:
        """Wait until the work after the acks is done; seconds waited."""
        return await load.drained(self.standin, DRAIN_LIMIT_S)

    async def _load(
        self, server: Server, concurrency: int, seconds: int, rate: float | None
    ) -> dict[str, Any]:
        if self.options.generator == "wrk":
            return load.wrk_run(server.base, self.bodies, concurrency, seconds, self.tmp, rate=rate)
        return await load.httpx_run(server.base, self.bodies, concurrency, seconds)

    async def cell(self, server: Server, concurrency: int) -> dict[str, Any]:
        """Warm up, then one measured run: latency, rate and CPU per request."""
        seconds = self.options.seconds
        warm = await self._load(server, concurrency, WARM_UP_SECONDS, None)
        await self.drained()
        cpu_before = server.cpu_seconds()
        figures = await self._load(server, concurrency, seconds, warm["answered"] / WARM_UP_SECONDS)
        cpu = server.cpu_seconds() - cpu_before
        if server.name.startswith("leadloop"):
            self.answered += warm["answered"] + figures["answered"]
            self.in_flight += 2 * concurrency
        figures["rps"] = round(figures["answered"] / seconds, 1)
        figures["cpu_ms"] = (
            round(cpu * 1000 / figures["answered"], 3) if figures["answered"] else None
        )
        figures["drain_s"] = await self.drained()
        return {key: value for key, value in figures.items() if key != "short"}

    async def ack(self, concurrencies: list[int], targets: list[str]) -> dict[str, Any]:
        """Each target at each concurrency, the targets in turn at each."""
        servers = {}
        try:
            for name in targets:
                servers[name] = await self.start(name, TARGETS[name])
            results: dict[str, Any] = {"leadloop_processes": servers["leadloop"].processes()}
            for concurrency in concurrencies:
                for name, server in servers.items():
                    results.setdefault(str(concurrency), {})[name] = await self.cell(
                        server, concurrency
                    )
            return results
        finally:
            for server in servers.values():
                load.stop(server)

    async def workers(self) -> dict[str, Any]:
        """Quick forms a second at concurrency 50 with one worker and with two."""
        if not workers_supported():
            return {"skipped": "the installed `leadloop serve` does not take --workers"}
        results: dict[str, Any] = {}
        for count in (1, 2):
            server = await self.start(f"leadloop-w{count}", [*TARGETS["leadloop"], str(count)])
            try:
                results[str(count)] = {
                    **await self.cell(server, WORKERS_CONCURRENCY),
                    "processes": server.processes(),
                }
            finally:
                load.stop(server)
        return results

    async def digest(self) -> dict[str, Any]:
        """The digest and its floor, from bench.digest on the data set as seeded."""
        measured = await digest_bench.measure(self.url, self.options.digest_runs)
        keep = ("floor_ms", "digest_ms", "ratio", "feedback_in_week", "scan_ms")
        return {key: measured[key] for key in keep if key in measured}

    def replays(self) -> int:
        """Requests leadloop refused as replays in this run (there should be none)."""
        return sum(server.refused_replays() for server in self.leadloop_servers)


async def measure_database(
    options: argparse.Namespace, url: str, standin: SlackStandIn, tmp: Path
) -> dict[str, Any]:
    """Seed or reuse, then every figure asked for, then the run's writes removed."""
    only = options.only
    result: dict[str, Any] = {
        "seed_s": await dataset.prepare(url, leads=options.leads, feedback=options.feedback),
        # The machine is shared: how busy it was when the measuring began.
        "load_average": os.getloadavg()[0],
    }
    bench = Bench(options, url, standin, tmp)
    try:
        if "digest" in only:
            result["digest"] = await bench.digest()
        if "ack" in only:
            result["ack"] = await bench.ack(options.concurrency, list(TARGETS))
        elif "cpu" in only:
            result["ack"] = await bench.ack([CPU_CONCURRENCY], ["leadloop", "floor_a"])
        if "workers" in only:
            result["workers"] = await bench.workers()
        if bench.leadloop_servers:
            result["check"] = {
                "answered": bench.answered,
                "in_flight": bench.in_flight,
                "stored": await dataset.added_feedback(url),
                "replays": bench.replays(),
            }
    finally:
        await dataset.reset(url, leads=options.leads)
    return result
