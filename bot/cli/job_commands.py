"""`leadloop digest` and `leadloop nudge`: the jobs on demand, now or as of a given moment,
posted, printed, or as JSON figures."""

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.demo.render_text import render_message
from bot.deps import Deps
from handlers.views.digest_blocks import chart_data, render_digest
from handlers.views.goal_chart import alt_text, render_chart
from handlers.views.nudge_blocks import render_nudge, render_ownerless
from jobs.digest import digest_figures, goal_trend, post_digest
from jobs.nudges import plan_nudges, post_nudges
from jobs.post_once import Outcome
from jobs.sla import run_sla_pass
from storage.nudges import Nudge
from storage.schedules import week_ending
from storage.teams import list_teams


class UnknownTeam(Exception):
    """The team asked for is not in the database; the message says which ones are."""


@dataclass(frozen=True)
class CommandOutput:
    """What to print, and the exit status."""

    text: str
    status: int = 0


async def _teams(deps: Deps, only: str | None) -> list[str]:
    async with deps.sessions() as session:
        known = [team.team_id for team in await list_teams(session=session)]
    if only is None:
        return known
    if only not in known:
        listed = ", ".join(known) or "none yet: `leadloop serve` stores the bot token's workspace"
        raise UnknownTeam(f"no team {only!r} in the database (teams: {listed}).")
    return [only]


async def digest_now(
    deps: Deps,
    client: AsyncWebClient | None,
    *,
    team: str | None,
    dry_run: bool,
    as_json: bool,
    at: datetime | None = None,
    color: bool = False,
    chart: Path | None = None,
) -> CommandOutput:
    """The digest for the seven days ending at `at` (default now), per team: posted,
    rendered, or as figures.

    With chart (and dry_run), each team's goals chart is written there as PNG too.
    """
    now = at or deps.clock.now()
    figures_by_team, rendered, status = {}, [], 0
    teams = await _teams(deps, team)
    for team_id in teams:
        schedule = await deps.team_settings(team_id)
        period = week_ending(now, schedule.zone, key=f"now:{now:%Y-%m-%dT%H:%M}Z")
        if as_json:
            figures_by_team[team_id] = (await digest_figures(deps, team_id, period)).as_json()
        elif dry_run or not _posts(deps, client):
            figures = await digest_figures(deps, team_id, period)
            message = render_digest(figures)
            text = render_message(message.as_kwargs(), color=color)
            rendered.append(f"# Digest for {team_id}\n{text}")
            if chart is not None:
                path = chart_path(chart, team_id, several=len(teams) > 1)
                data = chart_data(figures, await goal_trend(deps, figures))
                png = await asyncio.to_thread(render_chart, data)
                try:
                    await asyncio.to_thread(path.write_bytes, png)
                except OSError as exc:
                    rendered.append(f"Could not write the chart to {path}: {exc.strerror}.")
                    status = 1
                    continue
                rendered.append(f"Chart written to {path} ({len(png):,} bytes). {alt_text(data)}")
        elif (team_client := await deps.slack_for(team_id, client)) is None:
            rendered.append(f"The digest for {team_id} was not posted: it has no bot token.")
            status = 1
        else:
            result = await post_digest(deps, team_client, team_id, period)
            if result.outcome is Outcome.POSTED:
                channels = ", ".join(schedule.digest_channels)
                rendered.append(f"Posted the digest for {team_id} to {channels}.")
            elif result.outcome is Outcome.NOT_OURS:
                rendered.append(f"The digest for {team_id} was already posted this minute.")
            else:
                rendered.append(f"The digest for {team_id} was not posted: {result.error}")
                status = 1
    if as_json:
        return CommandOutput(json.dumps(figures_by_team, indent=2, sort_keys=True))
    return CommandOutput("\n\n".join(rendered) or "No teams yet.", status)


def _posts(deps: Deps, client: AsyncWebClient | None) -> bool:
    """Whether there is a token to post with: the one given, or each workspace's own."""
    return client is not None or deps.workspace_slack is not None


def chart_path(chart: Path, team_id: str, *, several: bool) -> Path:
    """Where a team's chart goes: the path given, with the team id added if there are several."""
    return chart.with_name(f"{chart.stem}-{team_id}{chart.suffix}") if several else chart


async def nudge_now(
    deps: Deps,
    client: AsyncWebClient | None,
    *,
    dry_run: bool,
    as_json: bool = False,
    at: datetime | None = None,
    color: bool = False,
) -> CommandOutput:
    """The nudges due at `at` (default now) for every team: sent, shown, or as JSON."""
    now = at or deps.clock.now()
    lines, planned, status = [], {}, 0
    for team_id in await _teams(deps, None):
        schedule = await deps.team_settings(team_id)
        if dry_run or as_json or not _posts(deps, client):
            async with deps.sessions() as session:
                plans = await plan_nudges(session, team_id, now=now, schedule=schedule)
            planned[team_id] = [_nudge_json(plan) for plan in plans]
            for plan in plans:
                days = schedule.stale_after_days
                if plan.owner is None:
                    message = render_ownerless(plan, now=now, stale_after_days=days)
                    where = f"to {schedule.shared_channel or '(no shared channel set)'}"
                else:
                    message = render_nudge(plan, now=now, stale_after_days=days)
                    where = f"DM to {plan.owner}"
                lines.append(
                    f"# {team_id}: {where}\n{render_message(message.as_kwargs(), color=color)}"
                )
            if not plans:
                lines.append(f"# {team_id}: nobody to nudge today.")
            continue
        team_client = await deps.slack_for(team_id, client)
        if team_client is None:
            lines.append(f"{team_id}: not sent: it has no bot token.")
            status = 1
            continue
        report = await post_nudges(deps, team_client, team_id, now=now)
        lines.append(
            f"{team_id}: nudged {report.owners_nudged} owners about {report.leads_nudged} leads; "
            f"{report.ownerless_leads} ownerless leads summarised; "
            f"{report.escalated} escalated."
        )
        for error in report.errors:
            lines.append(f"{team_id}: not sent: {error}")
            status = 1
    if as_json:
        return CommandOutput(json.dumps(planned, indent=2, sort_keys=True))
    return CommandOutput("\n\n".join(lines) or "No teams yet.", status)


def _nudge_json(plan: Nudge) -> dict[str, Any]:
    """One planned nudge as `nudge --json` lists it: the owner, how many, the leads shown."""
    return {
        "owner": plan.owner,
        "total": plan.total,
        "leads": [
            {
                "id": lead.id,
                "name": lead.name,
                "email": lead.email,
                "last_touch_at": lead.last_touch_at.isoformat(),
            }
            for lead in plan.leads
        ],
    }


async def sla_now(
    deps: Deps, client: AsyncWebClient | None, *, at: datetime | None, dry_run: bool
) -> CommandOutput:
    """One first-touch SLA pass as of at (default now): reminders and reassignments."""
    now = at or deps.clock.now()
    report = await run_sla_pass(deps, None if dry_run else client, now=now, dry_run=dry_run)
    verb = "Would send" if dry_run else "Sent"
    reminders = f"{len(report.reminded)} reminder{'s' * (len(report.reminded) != 1)}"
    moves = f"{len(report.reassigned)} reassignment{'s' * (len(report.reassigned) != 1)}"
    lines = [f"{verb} {reminders} and made {moves} as of {now:%Y-%m-%d %H:%M} UTC."]
    lines += [f"not sent: {error}" for error in report.errors]
    return CommandOutput("\n".join(lines), 1 if report.errors else 0)
