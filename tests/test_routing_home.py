"""The App Home with routing on: a rep's leads waiting for first touch with the time left,
Contacted from the Home, and the away switch that round-robin respects."""

from collections import Counter
from datetime import timedelta

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from handlers.views import ids
from storage.models import Lead
from tests.factories import app_home_opened, home_action
from tests.helpers import all_rows, texts_of
from tests.routing_helpers import REPS, new_leads, routed_app, routed_deps


async def _home(standin: SlackStandIn, count: int) -> str:
    calls = await standin.wait_for("views.publish", count)
    return texts_of(calls[-1].params["view"]["blocks"])


async def test_the_home_shows_waiting_leads_with_time_left(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(3))
        deps.clock.advance(timedelta(minutes=18))  # type: ignore[attr-defined]
        await app.slack.event(app_home_opened(user=REPS[0]))
        shown = await _home(standin, 1)
        assert "Waiting for your first touch (1)" in shown and "42 min left" in shown
        [lead, *_] = await all_rows(deps, Lead)
        await app.slack.interact(home_action(ids.ROUTING_CONTACTED, str(lead.id), user=REPS[0]))
        shown = await _home(standin, 2)
        assert "Waiting for your first touch" not in shown
    [lead, *_] = await all_rows(deps, Lead)
    assert lead.first_touch_at == deps.clock.now()


async def test_away_on_the_home_stops_new_leads(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps, routing_cap=50)
    async with routed_app(deps, standin) as app:
        await app.slack.interact(home_action(ids.HOME_AWAY, "away", user=REPS[1]))
        assert "You are *away*" in await _home(standin, 1)
        await app.send_leads(new_leads(10))
        await app.slack.interact(home_action(ids.HOME_AWAY, "back", user=REPS[1]))
        assert "New leads are routed to you" in await _home(standin, 2)
        await app.send_leads(new_leads(2, start=10))
    counts = Counter(lead.owner for lead in await all_rows(deps, Lead))
    assert counts[REPS[1]] == 1 and counts[REPS[0]] + counts[REPS[2]] == 11
