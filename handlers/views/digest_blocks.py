"""Block Kit for the weekly digest, and the figures its chart draws: pure functions of the
digest's figures."""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from handlers.views.blocks import (
    SECTION_TEXT_MAX,
    Block,
    Message,
    context,
    divider,
    escape,
    header,
    mention,
    name_text,
    section,
    slack_date,
    truncate,
)
from handlers.views.feedback_blocks import RATING_EMOJI
from handlers.views.goal_blocks import goal_line
from handlers.views.goal_chart import ChartData
from storage.digest import ESCALATIONS_MAX, DigestFigures
from storage.goal_targets import Goal
from storage.goals import GoalTrend
from storage.vocabulary import Rating

CHART_CAMPAIGNS = 5
CAMPAIGNS_SHOWN = 5
REASONS_SHOWN = 5
UPCOMING_SHOWN = 10
NAME_MAX = 80


def bounded_list(title: str, lines: list[str], *, shown: int, total: int | None = None) -> str:
    """A titled list of at most shown lines that fits one section; the rest "and N more"."""
    total = len(lines) if total is None else total
    text, count = title, 0
    for line in lines[:shown]:
        # Keep room for the "and N more" line.
        if len(text) + 1 + len(line) > SECTION_TEXT_MAX - 40:
            break
        text += "\n" + line
        count += 1
    if total > count:
        text += f"\n…and {total - count} more"
    return text


def _signed(n: float, unit: str = "") -> str:
    if n > 0:
        return f"▲ {n:g}{unit}"
    if n < 0:
        return f"▼ {-n:g}{unit}"
    return "no change"


def _count_change(figures: DigestFigures, key: str) -> str:
    change = figures.changes.get(key)
    return "" if change is None else f" ({_signed(change)} on the week before)"


def _headline(figures: DigestFigures) -> str:
    lines = [
        f"*{figures.leads_handed_over}* leads handed over to sales"
        + _count_change(figures, "leads_handed_over"),
    ]
    if figures.coverage is not None:
        coverage = f"*{figures.coverage:.0%}* coverage"
        change = figures.changes.get("coverage")
        if change is not None:
            coverage += f" ({_signed(round(change * 100), ' pts')})"
        lines.append(f"*{figures.leads_with_feedback}* of them have feedback: {coverage}")
    lines.append(
        f"*{figures.feedback_count}* pieces of feedback given"
        + _count_change(figures, "feedback_count")
    )
    rated = [f"{RATING_EMOJI[Rating(r)]} {n} {r}" for r, n in figures.ratings.items() if n]
    if rated:
        lines.append("Latest ratings: " + " · ".join(rated))
    return "\n".join(lines)


def _campaign_name(row: dict[str, Any]) -> str:
    if row["slug"] is None:
        return "_no campaign_"
    return f"*{name_text(truncate(row['campaign'], NAME_MAX))}*"


def _campaign_line(row: dict[str, Any]) -> str:
    parts = [f"{row['leads']} leads", f"{row['with_feedback']} rated"]
    if row["hot"]:
        parts.append(f":fire: {row['hot']} hot")
    if row["junk"]:
        parts.append(f":wastebasket: {row['junk']} junk")
    if row["top_reason"]:
        parts.append(f"mostly _{row['top_reason']}_")
    return f"• {_campaign_name(row)}: " + ", ".join(parts)


def _campaign_sections(figures: DigestFigures) -> list[Block]:
    rated = [row for row in figures.by_campaign if row["with_feedback"]]
    best = sorted(
        (row for row in rated if row["hot"]),
        key=lambda r: (-r["hot"] / r["with_feedback"], -r["hot"], r["campaign"]),
    )
    worst = sorted(
        (row for row in rated if row["junk"]),
        key=lambda r: (-r["junk"] / r["with_feedback"], -r["junk"], r["campaign"]),
    )
    blocks: list[Block] = []
    if best:
        lines = [_campaign_line(row) for row in best]
        blocks.append(
            section(
                bounded_list("*Campaigns that brought hot leads*", lines, shown=CAMPAIGNS_SHOWN)
            )
        )
    if worst:
        lines = [_campaign_line(row) for row in worst]
        blocks.append(
            section(bounded_list("*Campaigns that brought junk*", lines, shown=CAMPAIGNS_SHOWN))
        )
    unrated = len(figures.by_campaign) - len(rated)
    if unrated:
        blocks.append(
            context(f"{unrated} campaign{'s' * (unrated != 1)} brought leads nobody has rated yet.")
        )
    return blocks


def _goals_section(figures: DigestFigures) -> Block:
    lines = [goal_line(g.name, g.value, g.target, g.on_track, g.previous) for g in figures.goals]
    return section("*:dart: Shared goals*\n" + "\n".join(lines))


def _reasons_section(figures: DigestFigures) -> Block:
    lines = [f"• {row['reason']}: {row['count']}" for row in figures.top_reasons]
    return section(bounded_list("*Why leads were not hot*", lines, shown=REASONS_SHOWN))


def _reactions(counts: dict[str, int]) -> str:
    if not counts:
        return "no reactions from sales yet"
    return " · ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def _upcoming_section(figures: DigestFigures) -> Block:
    lines = [
        f"• {c.launch_date}: *{name_text(truncate(c.name, NAME_MAX))}* "
        f"(`#{escape(c.slug)}`), {_reactions(c.reactions)}"
        for c in figures.upcoming
    ]
    return section(bounded_list("*Launching in the next two weeks*", lines, shown=UPCOMING_SHOWN))


def _stale_section(figures: DigestFigures) -> Block:
    stale = figures.stale
    text = (
        f"*:hourglass: {stale.count} stale lead{'s' * (stale.count != 1)}*: open and untouched "
        f"for {figures.stale_after_days}+ days"
    )
    if stale.owners:
        holders = ", ".join(f"{mention(o['owner'])} ({o['count']})" for o in stale.owners)
        text += f"\nMost are with {holders}."
    return section(text)


def _escalations_section(figures: DigestFigures) -> Block:
    lines = [
        f"• *{name_text(truncate(row['title'], NAME_MAX))}*, "
        + (mention(row["owner"]) if row["owner"] else "no owner")
        + f", {row['nudge_count']} nudges unanswered since "
        + slack_date(row["escalated_at"], "{date_short_pretty}")
        for row in figures.escalations
    ]
    return section(
        bounded_list(
            "*:rotating_light: Escalated: nobody answered three nudges*",
            lines,
            shown=ESCALATIONS_MAX,
            total=figures.escalations_total,
        )
    )


def _leaders_section(figures: DigestFigures) -> Block:
    leaders = " · ".join(
        f"{mention(row['author'])} {row['count']}" for row in figures.feedback_leaders
    )
    return section(f"*:trophy: Most feedback this week:* {leaders}")


def _period_text(figures: DigestFigures) -> str:
    token = "{date_short_pretty} {time}"
    return f"{slack_date(figures.period_start, token)} to {slack_date(figures.period_end, token)}"


def render_digest(figures: DigestFigures) -> Message:
    """The digest as a Slack message; a quiet week is one short section."""
    if figures.quiet:
        text = f"Quiet week ({_period_text(figures)}): no leads handed over and no feedback given."
        if figures.stale.count:
            text += f" {figures.stale.count} open leads are stale."
        return Message("Weekly lead digest: a quiet week", [section(text)])
    blocks: list[Block] = [
        header("Weekly lead digest"),
        context(_period_text(figures)),
        section(_headline(figures)),
        divider(),
    ]
    if figures.goals:
        blocks.append(_goals_section(figures))
    blocks += _campaign_sections(figures)
    if figures.top_reasons:
        blocks.append(_reasons_section(figures))
    if figures.upcoming:
        blocks.append(_upcoming_section(figures))
    if figures.stale.count:
        blocks.append(_stale_section(figures))
    if figures.escalations_total:
        blocks.append(_escalations_section(figures))
    if figures.feedback_leaders:
        blocks.append(_leaders_section(figures))
    coverage = "" if figures.coverage is None else f", {figures.coverage:.0%} with feedback"
    fallback = (
        f"Weekly lead digest: {figures.leads_handed_over} leads handed over{coverage}, "
        f"{figures.feedback_count} feedback, {figures.stale.count} stale."
    )
    return Message(fallback, blocks)


def chart_data(figures: DigestFigures, trend: GoalTrend) -> ChartData:
    """What the digest's chart shows: the coverage and junk trend, and the top campaigns."""
    targets = trend.targets
    labels = [date.fromisoformat(day).strftime("%-d %b") for day in trend.week_ending]
    rated = [row for row in figures.by_campaign if row["with_feedback"]]
    end = figures.period_end.astimezone(ZoneInfo(figures.timezone))
    return ChartData(
        title=f"Shared goals, week ending {end:%-d %b %Y}",
        week_labels=labels,
        coverage=trend.series.get(Goal.COVERAGE.value, []),
        junk_share=trend.series.get(Goal.JUNK_SHARE.value, []),
        coverage_target=targets.get(Goal.COVERAGE.value),
        junk_target=targets.get(Goal.JUNK_SHARE.value),
        campaigns=[
            (row["campaign"], {r.value: row[r.value] for r in Rating})
            for row in rated[:CHART_CAMPAIGNS]
        ],
    )
