"""Slack mrkdwn read into styled runs, so the terminal and HTML renderers show what Slack shows.

Slack's entity escapes (`&amp;`, `&lt;`, `&gt;`) are undone here, once; `<…>` constructs become
what Slack displays: a link's label, `@user`, `#channel`, `@here`, a date's fallback text.
"""

import re
from dataclasses import dataclass

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


_ANGLE_RE = re.compile(r"<([^<>]+)>")
_STYLE_RE = re.compile(r"(`[^`\n]+`|\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~)")
_EMOJI_RE = re.compile(r":([a-z0-9_+\-]+):")


def unescape(text: str) -> str:
    """Undo Slack's three entity escapes."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emojize(text: str) -> str:
    """Replace known :emoji: codes with the characters Slack draws."""
    return _EMOJI_RE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _angle(inner: str) -> Run:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return Run("@" + (label or target[1:]), mention=True)
    if target.startswith("#"):
        return Run("#" + (label or target[1:]), mention=True)
    if target.startswith("!date^"):
        return Run(unescape(label or target))
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


def parse_line(line: str) -> list[Run]:
    """One line of mrkdwn as runs."""
    line = emojize(line)
    runs: list[Run] = []
    position = 0
    for match in _ANGLE_RE.finditer(line):
        runs.extend(_styled(line[position : match.start()]))
        runs.append(_angle(match.group(1)))
        position = match.end()
    runs.extend(_styled(line[position:]))
    return runs


def plain_text(mrkdwn: str) -> str:
    """What a reader sees, without styling."""
    return "\n".join("".join(run.text for run in parse_line(line)) for line in mrkdwn.split("\n"))
