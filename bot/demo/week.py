"""The scripted week `leadloop demo` plays, then (with --interactive) the prompt.

A client of the app, like the tests: it sends what Slack users and a CRM would send and lets
the app answer. Marketing previews two campaigns; sales reacts and asks a question in the
thread; leads arrive through /api/leads; reps give feedback (quick form and modal, one junk
lead, one hostile note); the nudges go out and one is answered from its buttons; the weekly
digest is posted.
"""

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.demo.interactive import prompt, stdin_asker
from bot.demo.modal_input import Ask
from bot.demo.session import DemoApp, use_color
from bot.demo.surfaces import SALES_CHANNEL, TEAM, Shown
from handlers.views import ids
from jobs.due_runs import run_due_digest, run_due_nudges

MAYA, RAJ, SOFIA = "U0MAYA", "U0RAJ", "U0SOFIA"
NAMES = {MAYA: "maya", RAJ: "raj", SOFIA: "sofia", SALES_CHANNEL: "#sales"}
# Monday 16 November 2026, 09:30 in Berlin.
START = datetime(2026, 11, 16, 8, 30, tzinfo=UTC)
TRANSCRIPT = Path("demo") / "transcript.html"


def campaign_values(name: str, launch: str, audience: str, message: str, cta: str,
                    links: str, expected: str) -> dict[str, Any]:  # fmt: skip
    """The campaign modal's state as Slack sends it on submit."""
    return {
        ids.CAMPAIGN_NAME_BLOCK: {ids.CAMPAIGN_NAME_ACTION: {"value": name}},
        ids.CAMPAIGN_LAUNCH_BLOCK: {ids.CAMPAIGN_LAUNCH_ACTION: {"selected_date": launch}},
        ids.CAMPAIGN_CHANNEL_BLOCK: {
            ids.CAMPAIGN_CHANNEL_ACTION: {"selected_conversation": SALES_CHANNEL}
        },
        ids.CAMPAIGN_AUDIENCE_BLOCK: {ids.CAMPAIGN_AUDIENCE_ACTION: {"value": audience}},
        ids.CAMPAIGN_MESSAGE_BLOCK: {ids.CAMPAIGN_MESSAGE_ACTION: {"value": message}},
        ids.CAMPAIGN_CTA_BLOCK: {ids.CAMPAIGN_CTA_ACTION: {"value": cta}},
        ids.CAMPAIGN_LINKS_BLOCK: {ids.CAMPAIGN_LINKS_ACTION: {"value": links}},
        ids.CAMPAIGN_EXPECTED_BLOCK: {ids.CAMPAIGN_EXPECTED_ACTION: {"value": expected}},
    }


def _selected(value: str | None) -> dict[str, Any]:
    return {"selected_option": {"value": value} if value else None}


def feedback_values(lead: str, rating: str, reason: str | None, note: str) -> dict[str, Any]:
    """The feedback modal's state as Slack sends it on submit."""
    return {
        ids.FEEDBACK_LEAD_BLOCK: {ids.FEEDBACK_LEAD_ACTION: _selected(lead)},
        ids.FEEDBACK_RATING_BLOCK: {ids.FEEDBACK_RATING_ACTION: _selected(rating)},
        ids.FEEDBACK_STATUS_BLOCK: {ids.FEEDBACK_STATUS_ACTION: _selected("contacted")},
        ids.FEEDBACK_REASON_BLOCK: {ids.FEEDBACK_REASON_ACTION: _selected(reason)},
        ids.FEEDBACK_NOTE_BLOCK: {ids.FEEDBACK_NOTE_ACTION: {"value": note}},
    }


LEADS = [
    ("ana@northwind.io", "Ana Silva", "Northwind", "spring-webinar", RAJ),
    ("li@globex.com", "Li Wei", "Globex", "spring-webinar", RAJ),
    ("kim@hooli.com", "Kim Lee", "Hooli", "spring-webinar", RAJ),
    ("jo@umbrella.io", "Jo Park", "Umbrella", "q1-pricing-promo", RAJ),
    ("bot123@mailinator.com", "Test Test", "asdf", "spring-webinar", SOFIA),
    ("marco@initech.com", "Marco Rossi", "Initech", "q1-pricing-promo", SOFIA),
    ("sam@acme.com", "Sam Hill", "Acme", None, None),
]


async def _preview_campaigns(demo: DemoApp) -> None:
    demo.step("Marketing previews two campaigns before launch")
    for name, launch, audience, message, cta, links, expected in (
        (
            "Spring Webinar",
            "2026-11-26",
            "Heads of RevOps at mid-size SaaS companies",
            "Pipeline in 30 days, without buying another tool",
            "Register for the live webinar",
            "https://example.com/spring-webinar\nhttps://example.com/deck.pdf",
            "40",
        ),
        (
            "Q1 Pricing Promo",
            "2026-12-03",
            "Existing trial users with 5+ seats",
            "20% off annual plans signed before 31 January",
            "Reply to book a pricing call",
            "https://example.com/pricing",
            "25",
        ),
    ):
        await demo.command(MAYA, name, command="/campaign-preview")
        values = campaign_values(name, launch, audience, message, cta, links, expected)
        await demo.submit(MAYA, demo.last_view(), values)


async def _react(demo: DemoApp) -> None:
    demo.clock.advance(timedelta(minutes=20))
    demo.step("Sales reacts: Raj is ready to sell, Sofia asks a question in the thread")
    first = demo.standin.messages(SALES_CHANNEL)[0]
    preview = Shown("message", first, demo.where(SALES_CHANNEL), SALES_CHANNEL, first["ts"])
    for user, action in ((RAJ, ids.CAMPAIGN_READY), (SOFIA, ids.CAMPAIGN_QUESTION)):
        await demo.click(user, demo.find_button(preview, lambda b, a=action: b["action_id"] == a))
    comment = {
        ids.CAMPAIGN_COMMENT_BLOCK: {
            ids.CAMPAIGN_COMMENT_ACTION: {
                "value": "Will we get the attendee list before our follow-up calls?"
            }
        }
    }
    await demo.submit(SOFIA, demo.last_view(), comment)


async def _leads_arrive(demo: DemoApp) -> None:
    demo.clock.advance(timedelta(minutes=10))
    demo.step("The CRM sends this week's leads to POST /api/leads (one of them malformed)")
    handed_off = demo.clock.now().isoformat()
    batch: list[dict[str, Any]] = [
        {
            "email": email,
            "name": name,
            "company": company,
            "campaign": campaign,
            "owner": owner,
            "handed_off_at": handed_off,
        }
        for email, name, company, campaign, owner in LEADS
    ]
    batch.append({"email": "not-an-email", "name": "Broken Row"})
    answer = await demo.post_leads(batch)
    summary = (
        f"The CRM posted {len(batch)} leads; the API answered: {answer.get('created')} created, "
        f"{answer.get('rejected')} rejected"
    )
    for result in answer.get("results", []):
        if result.get("status") == "rejected":
            summary += f" (item {result['index']}: {result['field']} {result['reason']})"
    demo.note(summary)


async def _feedback(demo: DemoApp) -> None:
    demo.clock.advance(timedelta(days=1, hours=1))
    demo.step("Reps give feedback with the quick form")
    await demo.command(
        RAJ, "ana@northwind.io hot meeting #spring-webinar Booked a demo for Thursday"
    )
    await demo.command(SOFIA, "bot123@mailinator.com junk bad-data fake name, fake company")
    demo.step("A note that tries to ping everyone reaches nobody")
    await demo.command(
        RAJ, "li@globex.com cold timing <!channel> @here budget frozen until <@U0MAYA> calls"
    )
    demo.clock.advance(timedelta(days=1))
    demo.step("Sofia uses the form instead")
    await demo.command(SOFIA, "marco@initech.com")
    lead_option = demo.last_view()["blocks"][0]["element"]["initial_option"]["value"]
    values = feedback_values(lead_option, "warm", "timing", "Wants pricing after their Q1 budget")
    await demo.submit(SOFIA, demo.last_view(), values)


async def _nudges(demo: DemoApp) -> None:
    demo.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))  # Friday 10:00 in Berlin
    demo.step("Friday 10:00: leads nobody touched for 3 days get one nudge per owner")
    await run_due_nudges(demo.deps, demo.client, TEAM, now=demo.clock.now())
    demo.show_new_output()
    demo.clock.advance(timedelta(minutes=7))
    demo.step("Raj answers the nudge from its buttons")
    dm_channel = "D" + RAJ[1:]
    [nudge] = demo.standin.messages(dm_channel)
    shown = Shown("message", nudge, demo.where(dm_channel), dm_channel, nudge["ts"])
    warm = ids.NUDGE_RATE_PREFIX + "warm"
    await demo.click(RAJ, demo.find_button(shown, lambda b: b["action_id"] == warm))


async def _digest(demo: DemoApp) -> None:
    demo.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin
    demo.step("Monday 09:00: the weekly digest")
    await run_due_digest(demo.deps, demo.client, TEAM, now=demo.clock.now())
    demo.show_new_output()


async def play_week(demo: DemoApp) -> None:
    """The scripted week, from the first preview to the digest."""
    await _preview_campaigns(demo)
    await _react(demo)
    await _leads_arrive(demo)
    await _feedback(demo)
    await _nudges(demo)
    await _digest(demo)


async def run_demo(
    out: TextIO, *, interactive: bool, stdin: TextIO = sys.stdin, ask: Ask | None = None
) -> Path:
    """Play the week (then the prompt, if asked); returns where the transcript is.

    The prompt reads answers from ask, or else line by line from stdin.
    """
    async with DemoApp(out=out, start=START, names=NAMES, color=use_color(out)) as demo:
        demo._print("leadloop demo: the real app, a Slack stand-in on loopback, one week.")
        await play_week(demo)
        if interactive:
            await prompt(demo, ask or stdin_asker(stdin, out), user=RAJ)
        path = demo.transcript.write(TRANSCRIPT, demo.readers)
    out.write(f"\nThe whole week as Slack would show it: {path.resolve()}\n")
    return path
