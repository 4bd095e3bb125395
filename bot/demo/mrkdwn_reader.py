"""Slack mrkdwn read into styled runs, so the terminal and HTML renderers show what Slack shows.

Slack's entity escapes (`&amp;`, `&lt;`, `&gt;`) are undone here, once; `<…>` constructs become
what Slack displays: a link's label, `@user`, `#channel`, `@here`, a date's fallback text.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

EMOJI = {
    "fire": "🔥",
    "sunny": "☀️",
    "snowflake": "❄️",
    "wastebasket": "🗑️",
    "white_check_mark": "✅",
    "warning": "⚠️",
    "hourglass": "⌛",
    "leftwards_arrow_with_hook": "↩️",
    "tada": "🎉",
    "rocket": "🚀",
    "calendar": "📅",
    "bar_chart": "📊",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "bell": "🔔",
    "mag": "🔍",
    "question": "❓",
    "thumbsup": "👍",
    "+1": "👍",
    "memo": "📝",
    "trophy": "🏆",
    "zzz": "💤",
    "link": "🔗",
    "busts_in_silhouette": "👥",
    "dart": "🎯",
    "mailbox_with_mail": "📬",
    "wave": "👋",
    "gear": "⚙️",
    "sparkles": "✨",
    "red_circle": "🔴",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "arrow_up": "⬆️",
    "arrow_down": "⬇️",
    "first_place_medal": "🥇",
    "second_place_medal": "🥈",
    "third_place_medal": "🥉",
    "rotating_light": "🚨",
    "lock": "🔒",
    "heavy_minus_sign": "➖",
    "grey_question": "❔",
    "mega": "📣",
}


@dataclass(frozen=True)
class Run:
    """A stretch of text with one style."""

    text: str
    bold: bool = False
    italic: bool = False
    strike: bool = False
    code: bool = False
    link: str | None = None
    mention: bool = False


@dataclass(frozen=True)
class Readers:
    """Who reads the rendering: display names for ids, and the time zone for Slack dates."""

    names: dict[str, str] = field(default_factory=dict)
    zone: ZoneInfo | None = None

    def name(self, slack_id: str) -> str:
        """A user's or channel's display name, else the id."""
        return self.names.get(slack_id, slack_id)

    def date(self, token: str, fallback: str) -> str:
        """A `<!date^…>` as the reader's client shows it: local time, else the fallback."""
        parts = token.split("^")
        if self.zone is None or len(parts) < 2 or not parts[1].isdigit():
            return fallback
        moment = datetime.fromtimestamp(int(parts[1]), UTC).astimezone(self.zone)
        return moment.strftime("%a %d %b %H:%M")


NOBODY = Readers()
_ANGLE_RE = re.compile(r"<([^<>]+)>")
# Slack styles only at word edges: snake_case_words and a*b*c stay as typed.
_STYLE_RE = re.compile(
    r"(`[^`\n]+`"
    r"|(?<![\w*])\*[^*\n]+\*(?![\w*])"
    r"|(?<![\w_])_[^_\n]+_(?![\w_])"
    r"|(?<![\w~])~[^~\n]+~(?![\w~]))"
)
_EMOJI_RE = re.compile(r":([a-z0-9_+\-]+):")


def unescape(text: str) -> str:
    """Undo Slack's three entity escapes."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emojize(text: str) -> str:
    """Replace known :emoji: codes with the characters Slack draws."""
    return _EMOJI_RE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _angle(inner: str, readers: Readers) -> Run:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return Run("@" + (label or readers.name(target[1:])), mention=True)
    if target.startswith("#"):
        return Run("#" + (label or readers.name(target[1:]).lstrip("#")), mention=True)
    if target.startswith("!date^"):
        return Run(readers.date(target, unescape(label or target)))
    if target.startswith("!subteam^"):
        return Run("@" + (label or "group"), mention=True)
    if target.startswith("!"):
        return Run("@" + target[1:], mention=True)
    return Run(unescape(label or target), link=unescape(target))


def _styled(text: str) -> list[Run]:
    runs: list[Run] = []
    for piece in _STYLE_RE.split(text):
        if not piece:
            continue
        marker = piece[0]
        if len(piece) > 2 and marker == piece[-1] and marker in "`*_~":
            inner = unescape(piece[1:-1])
            runs.append(
                Run(
                    inner,
                    bold=marker == "*",
                    italic=marker == "_",
                    strike=marker == "~",
                    code=marker == "`",
                )
            )
        else:
            runs.append(Run(unescape(piece)))
    return runs


def parse_line(line: str, readers: Readers = NOBODY) -> list[Run]:
    """One line of mrkdwn as runs."""
    line = emojize(line)
    runs: list[Run] = []
    position = 0
    for match in _ANGLE_RE.finditer(line):
        runs.extend(_styled(line[position : match.start()]))
        runs.append(_angle(match.group(1), readers))
        position = match.end()
    runs.extend(_styled(line[position:]))
    return runs


def plain_line(line: str, readers: Readers = NOBODY) -> str:
    """One line of mrkdwn as the words Slack shows, without styling."""
    return "".join(run.text for run in parse_line(line, readers))


def as_typed(text: str, readers: Readers = NOBODY) -> str:
    """What a person typed, from the text Slack sent for it: `<!channel>` is `@channel`,
    `<@U…>` the user's @name, `<#C…|sales>` `#sales`, and entities read as characters."""
    parts, position = [], 0
    for match in _ANGLE_RE.finditer(text):
        parts += [unescape(text[position : match.start()]), _angle(match.group(1), readers).text]
        position = match.end()
    return "".join([*parts, unescape(text[position:])])
