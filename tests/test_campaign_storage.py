"""Campaign and reaction storage: slugs, one current reaction per user, history, counts."""

import asyncio
from datetime import date

import pytest

from bot.deps import Deps
from handlers.feedback_parse import _SLUG_RE
from storage.campaigns import CampaignInput, create_campaign, slugify
from storage.models import CampaignReaction, CampaignReactionEvent
from storage.reactions import ReactionCounts, reaction_counts, record_reaction
from storage.teams import ensure_team
from storage.vocabulary import ReactionKind
from tests.factories import OTHER_TEAM, TEAM
from tests.helpers import all_rows

TRICKY_NAMES = [
    "Spring Webinar",
    "  Spring   Webinar!!  ",
    "<!channel> launch",
    "Café Crème — Q3",
    "2027",
    "a" * 150,
    "x-" * 75,
    "Ünïcödé ✨ launch 🚀",
]


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_every_slug_is_one_leadfeedback_accepts(name: str) -> None:
    slug = slugify(name)
    assert _SLUG_RE.match(slug), slug


def test_slugs_read_like_the_name() -> None:
    assert slugify("Spring Webinar") == "spring-webinar"
    assert slugify("<!channel> launch") == "channel-launch"
    assert slugify("Café Crème — Q3") == "cafe-creme-q3"
    assert slugify("🚀🚀") == ""


async def _campaign(deps: Deps, name: str = "Spring Webinar", team: str = TEAM):
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=team, now=now)
        return await create_campaign(
            session=session,
            team_id=team,
            owner="U0MKT",
            given=CampaignInput(name=name, launch_date=date(2026, 12, 1), channel_id="C0SALES"),
            now=now,
        )


async def test_a_second_campaign_with_the_same_slug_is_refused(deps: Deps) -> None:
    first = await _campaign(deps)
    assert first is not None and first.slug == "spring-webinar"
    assert await _campaign(deps, "spring webinar!") is None
    assert await _campaign(deps, "spring webinar", team=OTHER_TEAM) is not None


async def test_a_new_reaction_replaces_the_old_and_the_history_keeps_both(deps: Deps) -> None:
    campaign = await _campaign(deps)
    for kind, comment in [(ReactionKind.READY, ""), (ReactionKind.CONCERN, "pricing is off")]:
        async with deps.sessions.begin() as session:
            assert await record_reaction(
                session=session,
                team_id=TEAM,
                campaign_id=campaign.id,
                user_id="U0REP",
                kind=kind,
                comment=comment,
                now=deps.clock.now(),
            )
    [current] = await all_rows(deps, CampaignReaction)
    assert (current.kind, current.comment) == ("concern", "pricing is off")
    assert [e.kind for e in await all_rows(deps, CampaignReactionEvent)] == ["ready", "concern"]
    async with deps.sessions() as session:
        counts = await reaction_counts(session=session, team_id=TEAM, campaign_ids=[campaign.id])
    assert counts == {campaign.id: ReactionCounts(concern=1)}


async def test_another_teams_campaign_takes_no_reaction(deps: Deps) -> None:
    campaign = await _campaign(deps)
    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=OTHER_TEAM, now=deps.clock.now())
        recorded = await record_reaction(
            session=session,
            team_id=OTHER_TEAM,
            campaign_id=campaign.id,
            user_id="U0REP",
            kind=ReactionKind.READY,
            comment="",
            now=deps.clock.now(),
        )
    assert not recorded
    assert await all_rows(deps, CampaignReactionEvent) == []


async def test_concurrent_reactions_by_one_user_leave_one_current(deps: Deps) -> None:
    campaign = await _campaign(deps)

    async def react(kind: ReactionKind) -> None:
        async with deps.sessions.begin() as session:
            await record_reaction(
                session=session,
                team_id=TEAM,
                campaign_id=campaign.id,
                user_id="U0REP",
                kind=kind,
                comment="x",
                now=deps.clock.now(),
            )

    await asyncio.gather(*(react(k) for k in list(ReactionKind) * 5))
    assert len(await all_rows(deps, CampaignReaction)) == 1
    assert len(await all_rows(deps, CampaignReactionEvent)) == 15
