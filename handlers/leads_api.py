"""`POST /api/leads`: a CRM or marketing-automation webhook hands leads over as JSON."""

import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.deps import Deps
from handlers.bearer import is_authorised
from handlers.lead_intake import LeadAnswer, intake_leads, read_rules, tally
from storage.lead_upsert import UpsertStatus, sole_team_id

logger = logging.getLogger(__name__)

PATH = "/api/leads"
MAX_LEADS = 1000


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status, headers=headers)


def _shape_error(body: Any) -> str | None:
    if isinstance(body, dict):
        return None
    if not isinstance(body, list):
        return "send one lead as a JSON object or a JSON list of leads"
    if len(body) > MAX_LEADS:
        return f"send at most {MAX_LEADS} leads at a time (this list has {len(body)})"
    return None


def _answer(index: int, lead: LeadAnswer) -> dict[str, Any]:
    result = lead.result
    answer: dict[str, Any] = {"index": index, "status": result.status.value}
    if result.lead_id is not None:
        answer["id"] = result.lead_id
    if result.status is UpsertStatus.REJECTED:
        answer["field"] = result.field
        answer["reason"] = result.reason
    if lead.routed:
        # Who has the lead now: a rep's Slack id, or "channel" while it waits to be claimed.
        answer["routed_to"] = lead.routed_to or "channel"
    if lead.dropped:
        answer["warnings"] = [{"field": d.field, "reason": d.reason} for d in lead.dropped]
    return answer


def route(deps: Deps) -> Route:
    """The /api/leads route, bound to the app's services."""

    async def receive_leads(request: Request) -> Response:
        token = deps.settings.api_token
        if token is None:
            return _error(
                503, "the lead API is disabled: set LEADLOOP_API_TOKEN on the server to enable it"
            )
        if not is_authorised(request.headers.get("authorization"), token.get_secret_value()):
            return _error(
                401,
                "send the API token as `Authorization: Bearer <LEADLOOP_API_TOKEN>`",
                **{"WWW-Authenticate": "Bearer"},
            )
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError) as exc:
            # JSONDecodeError and UnicodeDecodeError are ValueErrors; so is a number too long
            # for Python to read (over 4,300 digits).
            return _error(400, f"the body is not valid JSON: {_describe(exc)}")
        problem = _shape_error(body)
        if problem is not None:
            return _error(422, problem)
        items = [body] if isinstance(body, dict) else body
        try:
            async with deps.sessions() as session:
                default_team = await sole_team_id(session=session)
            rules = await read_rules(deps, default_team)
            results = await intake_leads(deps, items, default_team=default_team, rules=rules)
        except SQLAlchemyError:
            logger.exception("storing %d leads failed", len(items))
            return _error(503, "the database could not store the leads; nothing was stored")
        counts = tally(results)
        logger.info("lead API: %s", ", ".join(f"{n} {status}" for status, n in counts.items()))
        return JSONResponse(
            {
                "ok": True,
                **counts,
                "results": [_answer(i, result) for i, result in enumerate(results)],
            }
        )

    return Route(PATH, receive_leads, methods=["POST"])


def _describe(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    return "it holds a number too long to read"
