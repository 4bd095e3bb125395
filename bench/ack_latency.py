"""Ack latency of `/leadfeedback` quick forms and button clicks against `leadloop serve`.

    python -m bench.ack_latency [--leads 200000] [--feedback 1000000] [--concurrency 1 10 50]
                                [--seconds 5] [--generator wrk|httpx] [--setting false true]
                                [--database-url postgresql://…]

Starts the Slack stand-in here, then real uvicorn servers as separate processes on loopback:
leadloop (the `leadloop serve` path, on a database seeded with --leads leads and --feedback
feedback rows) and the floor, a bare Bolt AsyncApp whose listeners only ack. leadloop runs as
shipped (process_before_response on); the floor runs with each Bolt process_before_response
named by --setting in turn. Requests are signed and form-encoded as Slack sends them:

- quick form: `/leadfeedback leadN@bench.io hot` (finds the lead, stores feedback, answers);
- snooze click: a nudge's Snooze button on lead N (reads and updates the lead);
- undo click: Undo of a feedback record that does not exist (one lookup, then a refusal).

The time to the HTTP answer is the ack latency. The load comes from wrk (compiled; a Lua script
reads pre-signed requests, each body sent once, since the server refuses a replayed signature:
bench.load) when it is installed, else from httpx in this process.
A click's work runs after its ack, so after each run the benchmark waits until that work is
done before the next starts ("work left s": how long that took), so that no run is slowed
by the one before.
Prints a table and writes bench/results/ack_latency.json.
"""

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from bench import load
from bench.load import Bodies
from bench.seed import seed
from bot.demo.signed_requests import TEAM, block_action
from bot.demo.slack_standin import SlackStandIn
from handlers.views import ids
from tests.factories import BOT_TOKEN, SIGNING_SECRET, command_form

RESULTS = Path(__file__).parent / "results"
MISSING_FEEDBACK_ID = "999999999"
KINDS = ("quick form", "snooze click", "undo click")
# The longest wait for a cell's work after the ack to finish before the next cell starts.
DRAIN_LIMIT_S = 120
WARM_UP_SECONDS = 1


def _bodies(kind: str, leads: int, response_url: str, numbers: "itertools.count[int]") -> Bodies:
    """Form bodies for one kind of request, each with its own trigger_id."""
    rng = random.Random(9)

    def make(number: int) -> str:
        n = rng.randrange(leads)
        if kind == "quick form":
            form = command_form(f"lead{n}@bench.io hot", response_url=response_url)
            form["trigger_id"] = f"bench-{number}"
            return urlencode(form)
        action, value = (
            (ids.NUDGE_SNOOZE, str(n + 1))
            if kind == "snooze click"
            else (ids.FEEDBACK_UNDO, MISSING_FEEDBACK_ID)
        )
        payload = block_action(action, value, response_url=response_url, message_ts="1.000")
        payload["trigger_id"] = f"bench-{number}"
        return urlencode({"payload": json.dumps(payload)})

    return Bodies(make, numbers)


async def _load(
    options: argparse.Namespace,
    base: str,
    bodies: Bodies,
    concurrency: int,
    tmp: str,
    standin: SlackStandIn,
) -> dict:
    """A warm-up, its work after the ack waited out, then the measured run (ms)."""
    if options.generator == "wrk":
        warm = load.wrk_run(base, bodies, concurrency, WARM_UP_SECONDS, Path(tmp))
        await load.drained(standin, DRAIN_LIMIT_S)
        rate = warm["answered"] / WARM_UP_SECONDS
        return load.wrk_run(base, bodies, concurrency, options.seconds, Path(tmp), rate=rate)
    await load.httpx_run(base, bodies, concurrency, WARM_UP_SECONDS)
    await load.drained(standin, DRAIN_LIMIT_S)
    return await load.httpx_run(base, bodies, concurrency, options.seconds)


async def _measure_setting(
    setting: str,
    env: dict[str, str],
    bodies: dict[str, Bodies],
    options: argparse.Namespace,
    standin: SlackStandIn,
) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        servers = [
            load.start("leadloop", ["-m", "bench.leadloop_server", "PORT"], env, Path(tmp)),
            load.start("floor", ["-m", "bench.floor_app", setting, "PORT"], env, Path(tmp)),
        ]
        try:
            for server in servers:
                await load.wait_until_up(server)
            for concurrency in options.concurrency:
                for kind in KINDS:
                    for server in servers:
                        figures = await _load(
                            options, server.base, bodies[kind], concurrency, tmp, standin
                        )
                        figures["drain_s"] = await load.drained(standin, DRAIN_LIMIT_S)
                        results.setdefault(kind, {}).setdefault(str(concurrency), {})[
                            server.name
                        ] = figures
        finally:
            for server in servers:
                load.stop(server)
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
    numbers = itertools.count()
    # The stand-in's auth.test names the workspace the requests come from, as Slack's would.
    with SlackStandIn(token=BOT_TOKEN, team_id=TEAM) as standin:
        url = standin.response_url("bench")
        bodies = {kind: _bodies(kind, options.leads, url, numbers) for kind in KINDS}
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
                    f"| {ours['answered'] / seconds:.0f}{errors} | {ours['drain_s']} |"
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
