"""What `leadloop serve` runs: the workspace installed, the HTTP app, the scheduled jobs."""

from dataclasses import dataclass, replace

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.types import ASGIApp

from bot.app import build_bolt_app
from bot.deps import Deps
from bot.installation import InstallationError, install_workspace
from bot.oauth import build_oauth_flow
from bot.scheduler import ScheduledJobs, Scheduler
from bot.web import build_web_app
from bot.workspace_tokens import WorkspaceTokens
from handlers.lead_routing import resolve_pool
from jobs.webhook_delivery import lifespan_hooks


@dataclass(frozen=True)
class ServedApp:
    """The apps to serve, the bot token's workspace (if any), and the scheduled jobs (if any)."""

    web_app: ASGIApp
    bolt_app: AsyncApp
    team_id: str | None
    jobs: ScheduledJobs | None


async def prepare_served_app(
    deps: Deps, client: AsyncWebClient | None, *, scheduler: bool = True
) -> ServedApp:
    """Install the bot token's workspace, then build the app whose start-up starts the jobs.

    The workspace's row exists before the first request and before the scheduler starts, so
    the lead API and the import work at once and its digest and nudges are on the schedule
    from the first minute. With SLACK_CLIENT_ID and its secret, other workspaces install
    with Add to Slack and each is served with its own token (client may then be None: no
    workspace of the environment's own).
    """
    team_id = await start_up(deps, client)
    return served_app(deps, client, team_id, scheduler=scheduler)


async def start_up(deps: Deps, client: AsyncWebClient | None) -> str | None:
    """The one-time start-up work: install the bot token's workspace and check the routing
    pool; the workspace's id (None without a workspace of the environment's own).

    `serve --workers` runs it once, in the supervisor, before any worker starts.
    """
    team_id = None
    if client is not None:
        team_id = await install_workspace(deps, client)
    if team_id is not None:
        deps, _tokens = _with_tokens(deps, team_id)
        await check_routing_pool(deps, team_id)
    return team_id


def served_app(
    deps: Deps, client: AsyncWebClient | None, team_id: str | None, *, scheduler: bool = True
) -> ServedApp:
    """The apps to serve once `start_up` has run (in this process or in the supervisor)."""
    deps, tokens = _with_tokens(deps, team_id)
    on_startup, on_shutdown = lifespan_hooks(deps)
    jobs = None
    if scheduler:
        jobs = ScheduledJobs(Scheduler(deps.clock), deps, client)
        on_startup.append(jobs.start)
        on_shutdown.append(jobs.stop)
        # A settings change in the App Home, an install or an uninstall reschedules that
        # team's jobs at once.
        deps = replace(
            deps,
            on_settings_saved=jobs.reschedule_team,
            on_installation_changed=jobs.reschedule_team,
        )
    oauth_flow = build_oauth_flow(deps, tokens) if tokens is not None else None
    bolt_app = build_bolt_app(deps, tokens=tokens)
    web_app = build_web_app(
        bolt_app, deps, on_startup=on_startup, on_shutdown=on_shutdown, oauth_flow=oauth_flow
    )
    return ServedApp(web_app=web_app, bolt_app=bolt_app, team_id=team_id, jobs=jobs)


def _with_tokens(deps: Deps, team_id: str | None) -> tuple[Deps, WorkspaceTokens | None]:
    """With Add to Slack, each workspace's own token (the environment's for team_id)."""
    if not deps.settings.oauth_enabled:
        return deps, None
    tokens = WorkspaceTokens(deps, env_team_id=team_id)
    return replace(deps, workspace_slack=tokens.client), tokens


async def check_routing_pool(deps: Deps, team_id: str) -> None:
    """Refuse to start when LEADLOOP_ROUTING_POOL names someone Slack does not know."""
    if not deps.settings.routing_rules.pool:
        return
    pool = await resolve_pool(deps, team_id)
    if pool.unknown:
        raise InstallationError(
            "LEADLOOP_ROUTING_POOL names people leadloop cannot find in Slack: "
            f"{', '.join(pool.unknown)}. Use members' Slack user ids, their emails, or a user "
            "group id (S…)."
        )
