"""Messages as plain text, for the CLI's `--dry-run`."""

import re

from handlers.blocks import Message


def message_as_text(message: Message) -> str:
    """A message's blocks as plain lines, for `--dry-run` in a terminal."""
    lines: list[str] = []
    for block in message.blocks:
        kind = block.get("type")
        if kind == "divider":
            lines.append("-" * 40)
        elif kind in ("header", "section"):
            lines.append(block["text"]["text"] + ("\n" + "=" * 40 if kind == "header" else ""))
        elif kind == "context":
            lines.append(" ".join(e.get("text", "") for e in block["elements"]))
        elif kind == "actions":
            buttons = [e["text"]["text"] for e in block["elements"] if "text" in e]
            lines.append("[" + "] [".join(buttons) + "]")
    return _readable_dates("\n".join(lines))


def _readable_dates(text: str) -> str:
    # Slack's <!date^…|fallback> shows the fallback outside Slack.
    return re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
