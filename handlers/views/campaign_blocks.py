"""Block Kit for `/campaign-preview`: the modal, the preview with its live counts, the comment
modal, thread replies, DMs and the list. Pure functions of plain data; user text is escaped."""

import json
from datetime import date

from handlers.campaign_form import (
    AUDIENCE_MAX,
    COMMENT_MAX,
    CTA_MAX,
    EXPECTED_LEADS_MAX,
    KEY_MESSAGE_MAX,
    LINKS_TEXT_MAX,
    NAME_MAX,
)
from handlers.views import ids
from handlers.views.blocks import (
    SECTION_TEXT_MAX,
    Block,
    Message,
    actions,
    button,
    channel_link,
    clean,
    context,
    escape,
    header,
    mention,
    name_text,
    plain,
    quote,
    section,
    truncate,
)
from handlers.views.preview_problems import why_not_posted
from storage.models import Campaign
from storage.reactions import ReactionCounts
from storage.vocabulary import ReactionKind

LIST_MAX = 20
COMMAND = "/campaign-preview"

USAGE = (
    f"`{COMMAND}` opens the form to show sales a campaign before it launches.\n"
    f"`{COMMAND} Spring webinar` opens it with the name filled in.\n"
    f"`{COMMAND} list` shows upcoming campaigns and what sales said about them.\n"
    "Sales answer on the preview: *Ready to sell*, *Question* or *Concern*. Questions and "
    "concerns land in the preview's thread, and the campaign's owner gets a DM. Use a "
    "campaign's `#slug` in `/leadfeedback` to tie leads to it."
)


def launch_text(launch: date) -> str:
    """A launch date as people say it: Tuesday 1 December 2026."""
    return f"{launch:%A} {launch.day} {launch:%B %Y}"


def _input(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _text_input(
    action_id: str, *, limit: int, multiline: bool = False, placeholder: str = "", initial: str = ""
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": limit,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    if initial:
        element["initial_value"] = clean(initial)[:limit]
    return element


def _channel_select(default_channel: str | None) -> Block:
    element: Block = {
        "type": "conversations_select",
        "action_id": ids.CAMPAIGN_CHANNEL_ACTION,
        "placeholder": plain("Where sales will see it"),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if default_channel:
        element["initial_conversation"] = default_channel
    return element


def _what_when_where(name: str, default_channel: str | None) -> list[Block]:
    """The campaign's name, launch date and the channel of its preview."""
    return [
        _input(
            ids.CAMPAIGN_NAME_BLOCK,
            "Campaign name",
            _text_input(
                ids.CAMPAIGN_NAME_ACTION,
                limit=NAME_MAX,
                placeholder="Spring webinar: pipeline in 30 days",
                initial=name,
            ),
            hint="Sales will tag leads with its #slug, made from the name.",
        ),
        _input(
            ids.CAMPAIGN_LAUNCH_BLOCK,
            "Launch date",
            {"type": "datepicker", "action_id": ids.CAMPAIGN_LAUNCH_ACTION},
        ),
        _input(
            ids.CAMPAIGN_CHANNEL_BLOCK,
            "Post the preview in",
            _channel_select(default_channel),
            hint="leadloop joins public channels itself; invite it to private ones first.",
        ),
    ]


def _pitch() -> list[Block]:
    """What sales should know: audience, key message, call to action, assets, lead forecast."""
    return [
        _input(
            ids.CAMPAIGN_AUDIENCE_BLOCK,
            "Who it targets",
            _text_input(
                ids.CAMPAIGN_AUDIENCE_ACTION,
                limit=AUDIENCE_MAX,
                placeholder="Heads of RevOps at 200–2,000 person SaaS companies",
            ),
        ),
        _input(
            ids.CAMPAIGN_MESSAGE_BLOCK,
            "Key message",
            _text_input(ids.CAMPAIGN_MESSAGE_ACTION, limit=KEY_MESSAGE_MAX, multiline=True),
        ),
        _input(
            ids.CAMPAIGN_CTA_BLOCK,
            "Call to action",
            _text_input(
                ids.CAMPAIGN_CTA_ACTION, limit=CTA_MAX, placeholder="Book a 20-minute demo"
            ),
            optional=True,
        ),
        _input(
            ids.CAMPAIGN_LINKS_BLOCK,
            "Asset links",
            _text_input(ids.CAMPAIGN_LINKS_ACTION, limit=LINKS_TEXT_MAX, multiline=True),
            optional=True,
            hint="One http(s) link per line: landing page, emails, ads.",
        ),
        _input(
            ids.CAMPAIGN_EXPECTED_BLOCK,
            "Expected leads",
            {
                "type": "number_input",
                "action_id": ids.CAMPAIGN_EXPECTED_ACTION,
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(EXPECTED_LEADS_MAX),
            },
            optional=True,
            hint="Roughly how many leads sales should expect from it.",
        ),
    ]


def campaign_modal(*, name: str = "", default_channel: str | None = None) -> Block:
    """The form a marketer fills in to preview a campaign."""
    return {
        "type": "modal",
        "callback_id": ids.CAMPAIGN_MODAL,
        "title": plain("Campaign preview", 24),
        "submit": plain("Post preview", 24),
        "close": plain("Cancel", 24),
        "blocks": [*_what_when_where(name, default_channel), *_pitch()],
    }


def counts_text(counts: ReactionCounts) -> str:
    """The live tally shown on a preview."""
    return (
        f"✅ Ready to sell: *{counts.ready}*   ❓ Questions: *{counts.question}*   "
        f"⚠️ Concerns: *{counts.concern}*"
    )


def _link_sections(urls: list[str]) -> list[Block]:
    """The asset links as bullets, packed into as few sections as Slack's limit allows."""
    lines = [f"• <{escape(url)}|{escape(truncate(url, 80))}>" for url in urls]
    sections: list[str] = []
    for line in lines:
        if sections and len(sections[-1]) + 1 + len(line) <= SECTION_TEXT_MAX:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    if sections:
        sections[0] = "*Assets*\n" + sections[0]
    return [section(text) for text in sections]


def preview_message(campaign: Campaign, counts: ReactionCounts) -> Message:
    """The preview posted to the channel, with live counts and the three buttons."""
    name = name_text(campaign.name)
    value = str(campaign.id)
    expect = (
        f"about *{campaign.expected_leads:,}* leads"
        if campaign.expected_leads
        else "no forecast given"
    )
    details = [
        f"*Launches:* {launch_text(campaign.launch_date)}",
        f"*Owner:* {mention(campaign.owner)}",
        f"*What sales should expect:* {expect}",
        f"*Tag its leads with:* `#{campaign.slug}`",
    ]
    blocks: list[Block] = [
        header(f"📣 Campaign preview: {campaign.name}"),
        section("\n".join(details)),
        section(f"*For whom*\n{quote(campaign.audience, AUDIENCE_MAX)}"),
        section(f"*Key message*\n{quote(campaign.key_message, KEY_MESSAGE_MAX)}"),
    ]
    if campaign.cta:
        blocks.append(section(f"*Call to action*\n{quote(campaign.cta, CTA_MAX)}"))
    blocks += _link_sections(list(campaign.asset_urls))
    blocks += [
        {
            "type": "context",
            "block_id": ids.CAMPAIGN_COUNTS_BLOCK,
            "elements": [{"type": "mrkdwn", "text": counts_text(counts)}],
        },
        actions(
            button("✅ Ready to sell", action_id=ids.CAMPAIGN_READY, value=value, style="primary"),
            button("❓ Question", action_id=ids.CAMPAIGN_QUESTION, value=value),
            button("⚠️ Concern", action_id=ids.CAMPAIGN_CONCERN, value=value, style="danger"),
            block_id=ids.CAMPAIGN_ACTIONS_BLOCK,
        ),
        context(
            "Sales: say what you think before it launches. Questions and concerns go to this "
            f"thread and to {mention(campaign.owner)}."
        ),
    ]
    text = f"Campaign preview: {name}, launching {launch_text(campaign.launch_date)}"
    return Message(text, blocks)


def comment_modal(campaign: Campaign, kind: ReactionKind) -> Block:
    """The small modal where a salesperson types a question or a concern."""
    asking = kind is ReactionKind.QUESTION
    return {
        "type": "modal",
        "callback_id": ids.CAMPAIGN_COMMENT_MODAL,
        "private_metadata": json.dumps({"campaign": campaign.id, "kind": str(kind)}),
        "title": plain("Ask a question" if asking else "Raise a concern", 24),
        "submit": plain("Post", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(
                f"*{name_text(campaign.name)}* launches {launch_text(campaign.launch_date)}. "
                f"Your {'question' if asking else 'concern'} goes to the preview's thread and "
                f"to {mention(campaign.owner)}."
            ),
            _input(
                ids.CAMPAIGN_COMMENT_BLOCK,
                "Your question" if asking else "Your concern",
                _text_input(ids.CAMPAIGN_COMMENT_ACTION, limit=COMMENT_MAX, multiline=True),
            ),
        ],
    }


def thread_reply(kind: ReactionKind, user_id: str, comment: str) -> Message:
    """A question or concern, posted under the preview."""
    what = "❓ *Question* from" if kind is ReactionKind.QUESTION else "⚠️ *Concern* from"
    lead = f"{what} {mention(user_id)}"
    return Message(
        f"{lead}: {escape(truncate(comment, 200))}",
        [section(f"{lead}\n{quote(comment, COMMENT_MAX)}")],
    )


def owner_dm(
    campaign: Campaign, kind: ReactionKind, user_id: str, comment: str, link: str | None
) -> Message:
    """What the campaign's owner is told when sales asks or worries."""
    what = "asked a question about" if kind is ReactionKind.QUESTION else "raised a concern about"
    lead = f"{mention(user_id)} {what} *{name_text(campaign.name)}*"
    text = f"{lead}:\n{quote(comment, COMMENT_MAX)}"
    if link:
        text += f"\n<{escape(link)}|Answer in the thread>"
    return Message(f"{lead}.", [section(text)])


def ready_noted(campaign: Campaign) -> Message:
    """The ephemeral thanks for a click on Ready to sell."""
    text = (
        f"✅ Noted: you are *ready to sell* *{name_text(campaign.name)}*. Changed your mind? "
        "Press *Question* or *Concern* on the preview; your latest answer is the one counted."
    )
    return notice(text)


def posted(campaign: Campaign, link: str | None) -> Message:
    """The marketer's confirmation that the preview is up."""
    where = channel_link(campaign.channel_id)
    seen = f" <{escape(link)}|See it>." if link else ""
    text = (
        f"Your preview of *{name_text(campaign.name)}* is up in {where}.{seen} Sales can mark it "
        "*Ready to sell*, ask a *Question* or raise a *Concern*; questions and concerns come "
        f"to you here. Sales tag its leads with `#{campaign.slug}`."
    )
    return notice(text)


def being_posted(campaign: Campaign) -> Message:
    """The answer to a second Post preview while the first is still on its way."""
    return notice(
        f"The preview of *{name_text(campaign.name)}* is being posted to "
        f"{channel_link(campaign.channel_id)} right now; it will be up in a moment."
    )


def not_posted(campaign: Campaign, error: str) -> Message:
    """Why the preview is not up yet, how to fix it, and a button to post it then."""
    why = why_not_posted(error, channel_link(campaign.channel_id))
    text = f"*{name_text(campaign.name)}* is saved, but its preview is not posted yet. {why}"
    return Message(
        text,
        [
            section(text),
            actions(button("Post preview", action_id=ids.CAMPAIGN_POST, value=str(campaign.id))),
        ],
    )


def not_posted_line(campaign: Campaign, refusals: dict[int, str]) -> str:
    """How a campaign without a preview stands: why Slack refused it, when it did."""
    error = refusals.get(campaign.id or 0)
    if error is None:
        return "_preview not posted yet_"
    why = why_not_posted(error, channel_link(campaign.channel_id))
    return f":warning: preview not posted: {why}"


def campaign_list(
    campaigns: list[Campaign],
    counts: dict[int, ReactionCounts],
    total: int,
    *,
    user_id: str,
    refusals: dict[int, str] | None = None,
) -> Message:
    """Upcoming campaigns, soonest first, with what sales said; cut with "and N more".

    refusals: Slack's error for each campaign whose preview post failed last.
    """
    if not campaigns:
        return notice(f"No campaign launches from today on. `{COMMAND}` shows sales the next one.")
    blocks: list[Block] = [header("Upcoming campaigns")]
    for campaign in campaigns[:LIST_MAX]:
        tally = counts.get(campaign.id or 0, ReactionCounts())
        where = (
            f"previewed in {channel_link(campaign.channel_id)}"
            if campaign.message_ts
            else not_posted_line(campaign, refusals or {})
        )
        text = (
            f"*{name_text(campaign.name)}* `#{campaign.slug}`\n"
            f"Launches {launch_text(campaign.launch_date)} · {mention(campaign.owner)} · {where}\n"
            f"{counts_text(tally)}"
        )
        accessory = None
        if campaign.message_ts is None and campaign.owner == user_id:
            accessory = button("Post preview", action_id=ids.CAMPAIGN_POST, value=str(campaign.id))
        blocks.append(section(text, accessory=accessory))
    if total > LIST_MAX:
        blocks.append(context(f"…and {total - LIST_MAX} more."))
    return Message(f"{total} upcoming campaign{'s' if total != 1 else ''}", blocks)


def notice(text: str) -> Message:
    """A one-section message (callers escape user text)."""
    return Message(text, [section(text)])


def help_message() -> Message:
    """How to use `/campaign-preview`."""
    return notice(USAGE)
