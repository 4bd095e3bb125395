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
    truncate,
)
from handlers.views.feedback_blocks import RATING_EMOJI
from handlers.views.goal_blocks import goal_line
from handlers.views.goal_chart import ChartData
from handlers.views.wording import counted, day, day_and_time, number
from storage.digest import ESCALATIONS_MAX, DigestFigures
from storage.goal_targets import Goal
from storage.goals import GoalTrend
from storage.vocabulary import Rating, ReactionKind, reason_label

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
        text += f"\n…and {number(total - count)} more"
    return text


def _signed(n: int, unit: str = "") -> str:
    if n > 0:
        return f"▲ {n:,}{unit}"
    if n < 0:
        return f"▼ {-n:,}{unit}"
    return "no change"


def _count_change(figures: DigestFigures, key: str) -> str:
    change = figures.changes.get(key)
    return "" if change is None else f" ({_signed(change)} on the week before)"


def _headline(figures: DigestFigures) -> str:
    handed = figures.leads_handed_over
    noun = "lead" if handed == 1 else "leads"
    lines = [
        f"*{number(handed)}* {noun} handed over to sales"
        + _count_change(figures, "leads_handed_over"),
    ]
    if figures.coverage is not None:
        coverage = f"*{figures.coverage:.0%}* coverage"
        change = figures.changes.get("coverage")
        if change is not None:
            coverage += f" ({_signed(round(change * 100), ' pts')})"
        have = "has" if figures.leads_with_feedback == 1 else "have"
        lines.append(f"*{number(figures.leads_with_feedback)}* of them {have} feedback: {coverage}")
    pieces = "piece" if figures.feedback_count == 1 else "pieces"
    lines.append(
        f"*{number(figures.feedback_count)}* {pieces} of feedback given"
        + _count_change(figures, "feedback_count")
    )
    rated = [f"{RATING_EMOJI[Rating(r)]} {number(n)} {r}" for r, n in figures.ratings.items() if n]
    if rated:
        lines.append("Latest ratings: " + " · ".join(rated))
    return "\n".join(lines)


def _campaign_name(row: dict[str, Any]) -> str:
    if row["slug"] is None:
        return "_no campaign_"
    return f"*{name_text(truncate(row['campaign'], NAME_MAX))}*"


def _campaign_line(row: dict[str, Any]) -> str:
    parts = [counted(row["leads"], "lead"), f"{number(row['with_feedback'])} rated"]
    if row["hot"]:
        parts.append(f":fire: {number(row['hot'])} hot")
    if row["junk"]:
        parts.append(f":wastebasket: {number(row['junk'])} junk")
    if row["top_reason"]:
        parts.append(f"top reason: {reason_label(row['top_reason'])}")
    return f"• {_campaign_name(row)}: " + ", ".join(parts)


def best_and_worst(
    by_campaign: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The campaigns that brought hot leads and those that brought junk, each listed once.

    A campaign goes where it did most: with the hot ones when it brought at least as many hot
    leads as junk, with the junk ones when junk outnumbers hot. Each list is sorted by its
    share of the campaign's rated leads, most first.
    """
    rated = [row for row in by_campaign if row["with_feedback"]]
    best = sorted(
        (row for row in rated if row["hot"] and row["hot"] >= row["junk"]),
        key=lambda r: (-r["hot"] / r["with_feedback"], -r["hot"], r["campaign"]),
    )
    worst = sorted(
        (row for row in rated if row["junk"] > row["hot"]),
        key=lambda r: (-r["junk"] / r["with_feedback"], -r["junk"], r["campaign"]),
    )
    return best, worst


def _campaign_sections(figures: DigestFigures) -> list[Block]:
    best, worst = best_and_worst(figures.by_campaign)
    blocks: list[Block] = []
    for title, rows in (
        ("*Campaigns that brought hot leads*", best),
        ("*Campaigns that brought junk*", worst),
    ):
        if rows:
            lines = [_campaign_line(row) for row in rows]
            blocks.append(section(bounded_list(title, lines, shown=CAMPAIGNS_SHOWN)))
    unrated = sum(1 for row in figures.by_campaign if row["slug"] and not row["with_feedback"])
    if unrated:
        unrated_text = f"{counted(unrated, 'campaign')} brought leads nobody has rated yet."
        blocks.append(context(unrated_text))
    return blocks


def _goals_section(figures: DigestFigures) -> Block:
    lines = [goal_line(g.name, g.value, g.target, g.on_track, g.previous) for g in figures.goals]
    return section("*:dart: Shared goals*\n" + "\n".join(lines))


def _reasons_section(figures: DigestFigures) -> Block:
    lines = [
        f"• {reason_label(row['reason'])}: {number(row['count'])}" for row in figures.top_reasons
    ]
    return section(bounded_list("*Why leads were not hot*", lines, shown=REASONS_SHOWN))


# Sales' reactions to a preview, in the order the preview's buttons show them.
_REACTION_WORDS = (
    (ReactionKind.READY, "ready to sell", "ready to sell"),
    (ReactionKind.QUESTION, "question", "questions"),
    (ReactionKind.CONCERN, "concern", "concerns"),
)


def _reactions(counts: dict[str, int]) -> str:
    said = [
        counted(counts[kind.value], one, many)
        for kind, one, many in _REACTION_WORDS
        if counts.get(kind.value)
    ]
    return " · ".join(said) if said else "no reactions from sales yet"


def _upcoming_section(figures: DigestFigures) -> Block:
    lines = [
        f"• {day(date.fromisoformat(c.launch_date))}: *{name_text(truncate(c.name, NAME_MAX))}* "
        f"(`#{escape(c.slug)}`), {_reactions(c.reactions)}"
        for c in figures.upcoming
    ]
    return section(bounded_list("*Launching in the next two weeks*", lines, shown=UPCOMING_SHOWN))


def _stale_section(figures: DigestFigures) -> Block:
    stale = figures.stale
    text = (
        f"*:hourglass: {counted(stale.count, 'stale lead')}*: open and untouched "
        f"for {figures.stale_after_days}+ days"
    )
    if stale.owners:
        holders = ", ".join(f"{mention(o['owner'])} ({number(o['count'])})" for o in stale.owners)
        text += f"\nMost are with {holders}."
    return section(text)


def _escalations_section(figures: DigestFigures) -> Block:
    zone = ZoneInfo(figures.timezone)
    lines = [
        f"• *{name_text(truncate(row['title'], NAME_MAX))}*, "
        + (mention(row["owner"]) if row["owner"] else "no owner")
        + f", {counted(row['nudge_count'], 'nudge')} unanswered since "
        + day(row["escalated_at"].astimezone(zone))
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
        f"{mention(row['author'])} {number(row['count'])}" for row in figures.feedback_leaders
    )
    return section(f"*:trophy: Most feedback this week:* {leaders}")


def _minutes(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


def _speed_section(figures: DigestFigures) -> Block:
    """Speed to lead: median and p90 business minutes, within the SLA, untouched, the fastest."""
    speed = figures.first_touch
    changes = speed.get("changes", {})
    median_change = changes.get("median_business_minutes")
    trend = "" if median_change is None else f" ({_signed(round(median_change), ' min')})"
    within = speed.get("within_sla_share")
    share = "n/a" if within is None else f"{within:.0%}"
    text = (
        f"*:stopwatch: Speed to lead:* median first touch "
        f"*{_minutes(speed.get('median_business_minutes'))}*{trend} in business time, "
        f"p90 {_minutes(speed.get('p90_business_minutes'))} · {share} within the "
        f"{speed.get('sla_minutes')}-minute SLA · {counted(speed.get('untouched', 0), 'lead')} "
        "not touched yet"
    )
    fastest = speed.get("fastest_reps") or []
    if fastest:
        text += "\n*Fastest:* " + " · ".join(
            f"{mention(row['owner'])} {_minutes(row['median_business_minutes'])}" for row in fastest
        )
    return section(text)


def period_text(figures: DigestFigures) -> str:
    """The period in the team's time zone: "Mon 16 Nov 09:00 to Mon 23 Nov 09:00 (UTC)"."""
    zone = ZoneInfo(figures.timezone)
    start = day_and_time(figures.period_start, zone)
    return f"{start} to {day_and_time(figures.period_end, zone)} ({zone.key})"


def render_digest(figures: DigestFigures) -> Message:
    """The digest as a Slack message; a quiet week is one short section."""
    if figures.quiet:
        text = f"Quiet week ({period_text(figures)}): no leads handed over and no feedback given."
        if figures.stale.count:
            are = "is" if figures.stale.count == 1 else "are"
            text += f" {counted(figures.stale.count, 'open lead')} {are} stale."
        return Message("Weekly lead digest: a quiet week", [section(text)])
    blocks: list[Block] = [
        header("Weekly lead digest"),
        context(period_text(figures)),
        section(_headline(figures)),
        divider(),
    ]
    if figures.goals:
        blocks.append(_goals_section(figures))
    if figures.first_touch and figures.leads_handed_over:
        blocks.append(_speed_section(figures))
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
        f"Weekly lead digest: {counted(figures.leads_handed_over, 'lead')} handed over"
        f"{coverage}, {counted(figures.feedback_count, 'piece', 'pieces')} of feedback, "
        f"{counted(figures.stale.count, 'stale lead')}."
    )
    return Message(fallback, blocks)


def _this_week(series: list[float | None], figure: float | None) -> list[float | None]:
    return [*series[:-1], figure]


def chart_data(figures: DigestFigures, trend: GoalTrend) -> ChartData:
    """What the digest's chart shows: the coverage and junk trend, and the top campaigns.

    The trend's last week is the digest's own week, and its points are the digest's own
    figures, so the chart and the text can never disagree.
    """
    targets = trend.targets
    ends = [date.fromisoformat(end) for end in trend.week_ending]
    rated = [row for row in figures.by_campaign if row["with_feedback"]]
    end = figures.period_end.astimezone(ZoneInfo(figures.timezone))
    return ChartData(
        title=f"Shared goals, week ending {day(end)} {end.year}",
        week_labels=[f"{end.day} {end:%b}" for end in ends],
        coverage=_this_week(trend.series.get(Goal.COVERAGE.value, []), figures.coverage),
        junk_share=_this_week(trend.series.get(Goal.JUNK_SHARE.value, []), figures.junk_share),
        coverage_target=targets.get(Goal.COVERAGE.value),
        junk_target=targets.get(Goal.JUNK_SHARE.value),
        first_touch=_this_week(
            trend.series.get(Goal.FIRST_TOUCH_MINUTES.value, []),
            figures.first_touch.get("median_business_minutes"),
        ),
        first_touch_target=targets.get(Goal.FIRST_TOUCH_MINUTES.value),
        campaigns=[
            (row["campaign"], {r.value: row[r.value] for r in Rating})
            for row in rated[:CHART_CAMPAIGNS]
        ],
    )
