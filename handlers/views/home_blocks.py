"""Block Kit for the App Home: pure functions from plain data to the Home view.

One view serves every role: a rep sees their open leads and their week, a marketer their
campaigns, an admin the Settings button, and someone with none of these a first-run Home.
Lists are capped so the whole view stays far below Slack's 100 blocks.
"""

from dataclasses import dataclass, field
from datetime import datetime

from handlers.views import ids
from handlers.views.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    name_text,
    section,
    slack_date,
    truncate,
)
from handlers.views.campaign_blocks import not_posted_line
from handlers.views.feedback_blocks import RATING_EMOJI, lead_line, open_lead_text
from handlers.views.goal_blocks import goal_line
from handlers.views.routing_blocks import Waiting, time_left
from storage.campaigns import CampaignQuality
from storage.goals import GoalStatus
from storage.models import JobStatus, Lead
from storage.reactions import ReactionCounts
from storage.team_settings import TeamSettings, shown_settings
from storage.vocabulary import Rating, reason_label

HOME_LEADS_MAX = 8
HOME_WAITING_MAX = 5
HOME_CAMPAIGNS_MAX = 8
LEADERS_MAX = 5
# The admin's one-line summary, each setting shown as storage.team_settings shows it.
_SETTINGS_SUMMARY = (
    "Digest {digest_day} {digest_time} · nudges {nudge_days} {nudge_time} · "
    "stale after {stale_after_days} · {timezone}"
)
_MEDALS = (":first_place_medal:", ":second_place_medal:", ":third_place_medal:")


@dataclass(frozen=True)
class HomeData:
    """Everything the Home shows one user, read from the database and Slack beforehand."""

    user_id: str
    now: datetime
    team: TeamSettings
    next_digest: datetime
    open_leads: list[Lead] = field(default_factory=list)
    open_total: int = 0
    feedback_this_week: int = 0
    gave_feedback_ever: bool = False
    leaders: list[tuple[str, int]] = field(default_factory=list)
    campaigns: list[CampaignQuality] = field(default_factory=list)
    campaigns_total: int = 0
    reactions: dict[int, ReactionCounts] = field(default_factory=dict)
    is_admin: bool = False
    # Scheduled jobs whose last run failed (digest, nudges), so a failure is never silent.
    failing: tuple[JobStatus, ...] = ()
    # A one-line note on what the user just did from the Home (mrkdwn, already escaped).
    notice: str | None = None
    # The switched-on shared goals over the last seven days, against the seven before.
    goals: list[GoalStatus] = field(default_factory=list)
    # Slack's error for each of the user's campaigns whose preview post failed last.
    preview_refusals: dict[int, str] = field(default_factory=dict)
    # Routing: the user's leads waiting for a first touch, and whether they are away (None:
    # routing is off, so neither is shown).
    waiting: list[Waiting] = field(default_factory=list)
    away: bool | None = None

    @property
    def is_rep(self) -> bool:
        """Owns open leads or has ever given feedback."""
        return self.open_total > 0 or self.gave_feedback_ever

    @property
    def is_marketer(self) -> bool:
        """Owns at least one campaign."""
        return self.campaigns_total > 0

    @property
    def is_newcomer(self) -> bool:
        """Nothing of theirs to show yet."""
        return not (self.is_rep or self.is_marketer)


def _label(word: str) -> str:
    return word.replace("-", " ").capitalize()


def _share(part: float | None) -> str:
    return "–" if part is None else f"{part:.0%}"


def digest_line(data: HomeData) -> str:
    """When and where the next digest is posted, in the reader's own time zone."""
    channels = data.team.digest_channels
    if not channels:
        tail = " An admin can pick one in Settings." if not data.is_admin else ""
        return f":calendar: No digest channel is set, so no weekly digest is posted.{tail}"
    where = ", ".join(f"<#{channel}>" for channel in channels)
    when = slack_date(data.next_digest, "{date_long_pretty} at {time}")
    return f":calendar: Next digest: *{when}* in {where}"


def failure_lines(data: HomeData) -> list[str]:
    """One warning per scheduled job whose last run failed, with when and why."""
    fix = " An admin can fix it in Settings." if not data.is_admin else ""
    return [
        f":warning: The last {escape(status.job)} run failed "
        f"{slack_date(status.last_failure_at, '{date_short_pretty} at {time}')}: "
        f"`{escape(truncate(status.last_error or 'unknown error', 200))}`.{fix}"
        for status in data.failing
        if status.last_failure_at is not None
    ]


def _admin_blocks(data: HomeData) -> list[Block]:
    shown = {name: escape(text) for name, text in shown_settings(data.team).items()}
    summary = _SETTINGS_SUMMARY.format_map(shown)
    return [
        section(
            ":gear: You can change leadloop's settings for this workspace.",
            accessory=button("Settings", action_id=ids.HOME_OPEN_SETTINGS, value="open"),
        ),
        context(summary),
    ]


def _goal_blocks(data: HomeData) -> list[Block]:
    lines = [goal_line(g.name, g.value, g.target, g.on_track, g.previous) for g in data.goals]
    fix = " Admins set the targets in Settings." if data.is_admin else ""
    return [
        header("Shared goals"),
        section("\n".join(lines)),
        context(
            "The targets sales and marketing agreed on: the last 7 days, "
            f"against the 7 days before.{fix}"
        ),
    ]


def _lead_blocks(lead: Lead, data: HomeData) -> list[Block]:
    value = str(lead.id)
    rating_buttons = [
        button(
            f"{RATING_EMOJI[rating]} {_label(rating)}",
            action_id=f"{ids.HOME_RATE_PREFIX}{rating.value}",
            value=value,
        )
        for rating in Rating
    ]
    return [
        section(open_lead_text(lead, now=data.now, stale_after_days=data.team.stale_after_days)),
        actions(
            *rating_buttons,
            button("Details…", action_id=ids.HOME_FEEDBACK_DETAILS, value=value),
        ),
    ]


def _rep_blocks(data: HomeData) -> list[Block]:
    blocks: list[Block] = [header(f"Your open leads ({data.open_total})")]
    if not data.open_leads:
        blocks.append(section("No open leads right now. :tada:"))
    for lead in data.open_leads[:HOME_LEADS_MAX]:
        blocks += _lead_blocks(lead, data)
    shown = min(len(data.open_leads), HOME_LEADS_MAX)
    if data.open_total > shown:
        blocks.append(
            context(
                f"…and {data.open_total - shown} more, oldest touch first: "
                "`/leadfeedback mine` lists them."
            )
        )
    count = data.feedback_this_week
    blocks.append(
        section(
            f":memo: You gave feedback *{count}* time{'s' * (count != 1)} this week."
            if count
            else ":memo: No feedback from you yet this week. A rating takes one click above."
        )
    )
    return blocks


def _routing_blocks(data: HomeData) -> list[Block]:
    """The leads waiting for the user's first touch, and the away switch."""
    blocks: list[Block] = []
    if data.waiting:
        blocks.append(header(f"Waiting for your first touch ({len(data.waiting)})"))
    for item in data.waiting[:HOME_WAITING_MAX]:
        contacted = button(
            "Contacted", action_id=ids.ROUTING_CONTACTED, value=str(item.lead.id), style="primary"
        )
        text = f"{lead_line(item.lead)}\n:stopwatch: {time_left(item.minutes_left)}"
        blocks.append(section(text, accessory=contacted))
    if len(data.waiting) > HOME_WAITING_MAX:
        blocks.append(context(f"…and {len(data.waiting) - HOME_WAITING_MAX} more."))
    if data.away:
        state, label, value = "You are *away*: no new leads are routed to you.", "I'm back", "back"
    else:
        state, label, value = "New leads are routed to you.", "I'm away", "away"
    blocks.append(
        section(
            f":beach_with_umbrella: {state}" if data.away else f":inbox_tray: {state}",
            accessory=button(label, action_id=ids.HOME_AWAY, value=value),
        )
    )
    return blocks


def _leader_blocks(data: HomeData) -> list[Block]:
    lines = []
    for place, (author, records) in enumerate(data.leaders[:LEADERS_MAX]):
        medal = _MEDALS[place] if place < len(_MEDALS) else f"{place + 1}."
        you = " (you)" if author == data.user_id else ""
        lines.append(f"{medal} <@{author}>{you}: {records} feedback")
    return [
        header("Who closed the loop this week"),
        section("\n".join(lines)),
    ]


def _reactions_text(counts: ReactionCounts) -> str:
    return (
        f"reactions: :white_check_mark: {counts.ready} ready · "
        f":grey_question: {counts.question} questions · :warning: {counts.concern} concerns"
    )


def _campaign_block(quality: CampaignQuality, data: HomeData) -> Block:
    campaign = quality.campaign
    launch = campaign.launch_date.strftime("%a %d %b %Y")
    if quality.rated:
        verdict = (
            f":fire: {_share(quality.hot_share)} hot · :wastebasket: {_share(quality.junk_share)} "
            f"junk of {quality.rated} rated"
        )
        if quality.top_reason:
            verdict += f" · top reason: {reason_label(quality.top_reason)}"
    else:
        verdict = "no feedback on its leads yet"
    leads = f"{quality.leads} lead{'s' * (quality.leads != 1)}"
    reactions = _reactions_text(data.reactions.get(campaign.id or 0, ReactionCounts()))
    text = (
        f"*{name_text(campaign.name)}* `#{escape(campaign.slug)}` · launches {launch}\n"
        f"{leads} · {verdict}\n{reactions}"
    )
    if campaign.id not in data.preview_refusals:
        return section(text)
    refused = not_posted_line(campaign, data.preview_refusals)
    post = button("Post preview", action_id=ids.CAMPAIGN_POST, value=str(campaign.id))
    return section(f"{text}\n{refused}", accessory=post)


def _marketer_blocks(data: HomeData) -> list[Block]:
    blocks: list[Block] = [header(f"Your campaigns ({data.campaigns_total})")]
    shown = data.campaigns[:HOME_CAMPAIGNS_MAX]
    blocks += [_campaign_block(quality, data) for quality in shown]
    if data.campaigns_total > len(shown):
        blocks.append(
            context(
                f"…and {data.campaigns_total - len(shown)} more: "
                "`/campaign-preview list` shows them."
            )
        )
    return blocks


def _newcomer_blocks() -> list[Block]:
    return [
        section(
            ":wave: *Welcome!* leadloop closes the loop between sales and marketing, right "
            "here in Slack. Reps say in a few seconds how good each lead was and why; "
            "marketers show campaigns to sales before they launch and see how their leads "
            "fared. Once you own a lead or a campaign, it shows up here."
        ),
    ]


def _how_to_blocks() -> list[Block]:
    return [
        section(
            "*How to use leadloop*\n"
            "• `/leadfeedback` opens the feedback form; "
            "`/leadfeedback jane@acme.com hot meeting` records it in one line; "
            "`/leadfeedback mine` lists your open leads; `/leadfeedback help` shows the rest.\n"
            "• `/campaign-preview` shows sales a campaign before it launches; "
            "`/campaign-preview list` lists the upcoming ones and what sales thinks."
        ),
    ]


def home_view(data: HomeData) -> Block:
    """The Home view for one user."""
    title = "Welcome to leadloop" if data.is_newcomer else "Your leadloop"
    blocks: list[Block] = [header(title)]
    if data.notice:
        blocks.append(context(data.notice))
    if data.is_admin:
        blocks += _admin_blocks(data)
    blocks += [section("\n".join([digest_line(data), *failure_lines(data)])), divider()]
    if data.goals:
        blocks += _goal_blocks(data)
    if data.is_newcomer:
        blocks += _newcomer_blocks()
    if data.away is not None:
        blocks += _routing_blocks(data)
    if data.is_rep:
        blocks += _rep_blocks(data)
    if data.leaders:
        blocks += _leader_blocks(data)
    if data.is_marketer:
        blocks += _marketer_blocks(data)
    blocks += [divider(), *_how_to_blocks()]
    return {"type": "home", "blocks": blocks}
