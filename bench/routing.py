"""Speed to lead: 1,000 leads through /api/leads in round-robin mode, assigned and DMed within
Slack's rate limits.

    python -m bench.routing [--leads 1000] [--reps 3] [--concurrency 10]
                            [--database-url postgresql://…]

The real ASGI app (in process) on one migrated database with one team and a pool of --reps,
and the Slack stand-in on loopback enforcing chat.postMessage's one post per second per
channel (a post sooner is answered 429 with Retry-After, which the app's client honours).
Each lead arrives alone, as a CRM webhook sends it, --concurrency at a time. Time to
assignment is each request's round trip: the lead is routed in the transaction that stores
it. Then, a minute later by the app's clock, the SLA pass sends the DMs batched meanwhile;
the run checks that every lead has an owner, every hand-over was told, and no channel took
two posts within a second. Prints a table and writes bench/results/routing_<database>.json.
"""

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlmodel import select

from bench.seed import seed
from bot.app import build_bolt_app
from bot.clock import ManualClock
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.settings import Settings, normalise_database_url
from bot.slack_client import build_client
from bot.web import build_web_app
from handlers.lead_routing import notices_sent
from jobs.sla import run_sla_pass
from storage.db import create_engine, create_sessions
from storage.first_touch import percentile
from storage.models import Lead
from tests.factories import BOT_TOKEN, SIGNING_SECRET, TEAM

RESULTS = Path(__file__).parent / "results"
API_TOKEN = "bench-api-token-0123456789abcdef"
# A Tuesday at 10:00 UTC: inside business hours, so every SLA clock is running.
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _deps(database_url: str, standin: SlackStandIn, reps: list[str], mode: str) -> Deps:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.base_url,
        database_url=database_url,
        team_id=TEAM,
        routing=mode,
        routing_pool=",".join(reps),
        routing_cap=1000,
    )
    settings = settings.model_copy(update={"api_token": SecretStr(API_TOKEN)})
    engine = create_engine(settings.database_url)
    return Deps(
        settings=settings,
        engine=engine,
        sessions=create_sessions(engine),
        clock=ManualClock(START),
        slack=build_client(token=BOT_TOKEN, base_url=standin.base_url),
    )


async def _send(deps: Deps, leads: int, concurrency: int) -> list[float]:
    """POST each lead alone, concurrency at a time; each request's seconds."""
    app = build_web_app(build_bolt_app(deps), deps)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    gate = asyncio.Semaphore(concurrency)
    took: list[float] = []

    async def one(http: httpx.AsyncClient, n: int) -> None:
        lead = {"external_id": f"R-{n}", "email": f"r{n}@route.io", "name": f"Lead {n}"}
        async with gate:
            started = time.perf_counter()
            response = await http.post("/api/leads", json=lead, headers=headers)
            took.append(time.perf_counter() - started)
        response.raise_for_status()

    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as http:
        await asyncio.gather(*(one(http, n) for n in range(leads)))
    return took


def _closest_gap(standin: SlackStandIn, channels: list[str]) -> float | None:
    gaps = [
        later - earlier
        for channel in channels
        for earlier, later in itertools.pairwise(standin.post_times(channel))
    ]
    return min(gaps) if gaps else None


async def run(
    database_url: str, leads: int, reps: int, concurrency: int, mode: str = "round-robin"
) -> dict[str, Any]:
    """Seed, send the leads, send the batched DMs, check and measure."""
    await seed(database_url, leads=0, feedback=0)
    pool = [f"U0POOL{n:02d}" for n in range(reps)]
    with SlackStandIn(token=BOT_TOKEN, team_id=TEAM) as standin:
        standin.limit_posts(1.0)
        deps = _deps(normalise_database_url(database_url), standin, pool, mode)
        try:
            started = time.perf_counter()
            took = await _send(deps, leads, concurrency)
            assigned_s = time.perf_counter() - started
            await notices_sent()
            deps.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
            await run_sla_pass(deps, deps.slack, now=deps.clock.now())
            told_s = time.perf_counter() - started
            async with deps.sessions() as session:
                rows = (await session.exec(select(Lead))).all()
        finally:
            await deps.engine.dispose()
        dms = {rep: len(standin.messages(rep)) for rep in pool}
        gap = _closest_gap(standin, pool)
        limited = standin.rate_limited
    owners = Counter(lead.owner for lead in rows)
    return {
        "database": database_url.split(":")[0].split("+")[0],
        "mode": mode,
        "leads": leads,
        "reps": reps,
        "concurrency": concurrency,
        "assigned": sum(n for owner, n in owners.items() if owner),
        "per_rep": dict(sorted((o or "none", n) for o, n in owners.items())),
        "told": sum(1 for lead in rows if lead.notified_round == lead.routing_round > 0),
        "dms": dms,
        "answered_429": limited,
        "closest_posts_s": None if gap is None else round(gap, 3),
        "assignment_p50_ms": round(statistics.median(took) * 1000, 1),
        "assignment_p99_ms": round((percentile(took, 0.99) or 0) * 1000, 1),
        "all_assigned_s": round(assigned_s, 2),
        "all_told_s": round(told_s, 2),
    }


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    r = results
    return (
        f"{r['database']}, routing {r['mode']}: {r['leads']:,} leads, {r['reps']} reps, "
        f"{r['concurrency']} at a time\n\n"
        "| assigned | told | DMs per rep | 429s | closest posts | p50 | p99 | all assigned "
        "| all DMs sent |\n|---|---|---|---|---|---|---|---|---|\n"
        f"| {r['assigned']:,} | {r['told']:,} | {', '.join(map(str, r['dms'].values()))} "
        f"| {r['answered_429']} | {r['closest_posts_s']} s | {r['assignment_p50_ms']} ms "
        f"| {r['assignment_p99_ms']} ms | {r['all_assigned_s']} s | {r['all_told_s']} s |\n"
    )


def main() -> None:
    """Parse arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--mode", choices=["round-robin", "off"], default="round-robin",
                        help="off: the same leads unrouted, for comparison")  # fmt: skip
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.db"
        results = asyncio.run(
            run(url, options.leads, options.reps, options.concurrency, options.mode)
        )
    RESULTS.mkdir(exist_ok=True)
    name = f"routing_{results['database']}_{options.mode}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2))
    sys.stdout.write(table(results))


if __name__ == "__main__":
    main()
