"""Block Kit drawn for a terminal: headers, sections, fields, buttons, context, inputs.

Used by `--dry-run`, `leadloop preview` and the demo, so people can read what Slack would show.
"""

import textwrap
from typing import Any

from bot.demo.mrkdwn_reader import NOBODY, Readers, Run, emojize, parse_line

_BOLD, _DIM, _ITALIC, _UNDER, _RESET = "\033[1m", "\033[2m", "\033[3m", "\033[4m", "\033[0m"
_GREEN, _RED, _BLUE, _CYAN = "\033[32m", "\033[31m", "\033[34m", "\033[36m"


class _Style:
    def __init__(self, color: bool, readers: Readers) -> None:
        self.color = color
        self.readers = readers

    def wrap(self, text: str, *codes: str) -> str:
        return f"{''.join(codes)}{text}{_RESET}" if self.color and codes else text

    def run(self, run: Run) -> str:
        codes = []
        if run.bold:
            codes.append(_BOLD)
        if run.italic:
            codes.append(_ITALIC)
        if run.code:
            codes.append(_CYAN)
        if run.mention or run.link:
            codes.append(_BLUE)
        text = _visible(run)
        if run.strike and not self.color:
            text = f"~{text}~"
        return self.wrap(text, *codes)


def _visible(run: Run) -> str:
    return f"{run.text} ({run.link})" if run.link and run.link != run.text else run.text


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


def _mrkdwn(obj: Any, style: _Style, width: int, indent: str = "") -> list[str]:
    """A text object as wrapped, styled lines; `> ` quotes get a bar."""
    raw = _text_of(obj)
    is_plain = isinstance(obj, dict) and obj.get("type") == "plain_text"
    lines: list[str] = []
    for line in raw.split("\n"):
        prefix = indent
        if not is_plain and (line.startswith("&gt; ") or line.startswith("> ")):
            line = line.split(" ", 1)[1] if " " in line else ""
            prefix = indent + style.wrap("│ ", _DIM)
        plain_width = max(width - len(prefix), 20)
        runs = [Run(emojize(line))] if is_plain else parse_line(line, style.readers)
        visible = "".join(
            r.text if not r.link or r.link == r.text else f"{r.text} ({r.link})" for r in runs
        )
        if len(visible) <= plain_width:
            lines.append(prefix + "".join(style.run(r) for r in runs))
        else:
            lines.extend(prefix + part for part in textwrap.wrap(visible, plain_width) or [""])
    return lines


def _element(element: dict[str, Any], style: _Style) -> str:
    kind = element.get("type", "")
    label = emojize(_text_of(element.get("text")))
    placeholder = f"‹{_text_of(element.get('placeholder'))}›" if element.get("placeholder") else ""
    label = label or placeholder
    if kind == "button":
        colour = {"primary": _GREEN, "danger": _RED}.get(element.get("style", ""), _BOLD)
        return style.wrap(f"[ {label} ]", colour)
    if kind in {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }:
        chosen = element.get("initial_option") or {}
        shown = _text_of(chosen.get("text")) if chosen else label or "Select"
        return f"[ {shown} ▾ ]"
    if kind in {"radio_buttons", "checkboxes"}:
        chosen = (element.get("initial_option") or {}).get("value")
        marks = ("(•)", "( )") if kind == "radio_buttons" else ("[x]", "[ ]")
        return "  ".join(
            f"{marks[0] if o.get('value') == chosen else marks[1]} {_text_of(o.get('text'))}"
            for o in element.get("options", [])
        )
    if kind in {"plain_text_input", "number_input", "email_text_input", "url_text_input"}:
        return f"[ {element.get('initial_value') or label or '…'} ]"
    if kind == "timepicker":
        return f"[ 🕘 {element.get('initial_time') or label or 'time'} ]"
    if kind == "datepicker":
        return f"[ 📅 {element.get('initial_date') or label or 'date'} ]"
    if kind == "overflow":
        return "[ ⋯ ]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    return f"[{kind}]"


def render_blocks(
    blocks: list[dict[str, Any]],
    *,
    color: bool = False,
    width: int = 78,
    readers: Readers = NOBODY,
) -> str:
    """Blocks as terminal text."""
    style = _Style(color, readers)
    out: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text_of(block.get("text"))
            out.append(
                style.wrap(title, _BOLD, _UNDER)
                if color
                else f"{title}\n{'═' * min(len(title), width)}"
            )
        elif kind == "section":
            if block.get("text"):
                out.extend(_mrkdwn(block["text"], style, width))
            fields = [_mrkdwn(f, style, width // 2 - 2) for f in block.get("fields", [])]
            for left, right in zip(fields[::2], fields[1::2] + [[]], strict=False):
                for n in range(max(len(left), len(right))):
                    a = left[n] if n < len(left) else ""
                    b = right[n] if n < len(right) else ""
                    out.append(f"{a:<{width // 2}}{b}".rstrip())
            if block.get("accessory"):
                out.append("    " + _element(block["accessory"], style))
        elif kind == "context":
            parts = [
                f"[image: {e.get('alt_text', '')}]" if e.get("type") == "image" else _text_of(e)
                for e in block.get("elements", [])
            ]
            for line in _mrkdwn({"type": "mrkdwn", "text": "  ·  ".join(parts)}, style, width):
                out.append(style.wrap(line, _DIM))
        elif kind == "divider":
            out.append(style.wrap("─" * width, _DIM))
        elif kind == "actions":
            out.append("  ".join(_element(e, style) for e in block.get("elements", [])))
        elif kind == "image":
            out.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            out.append(style.wrap(_text_of(block.get("label")) + optional, _BOLD))
            out.append("  " + _element(block.get("element", {}), style))
        else:
            out.append(f"[{kind} block]")
    return "\n".join(out)


def render_message(
    payload: dict[str, Any],
    *,
    color: bool = False,
    width: int = 78,
    readers: Readers = NOBODY,
) -> str:
    """A message (text and blocks) or a view (title, blocks, submit) as terminal text."""
    if payload.get("type") in {"modal", "home"}:
        title = _text_of(payload.get("title")) or "App Home"
        blocks = payload.get("blocks", [])
        body = render_blocks(blocks, color=color, width=width - 4, readers=readers)
        submit = _text_of(payload.get("submit"))
        footer = (
            f"\n[ {_text_of(payload.get('close')) or 'Cancel'} ]  [ {submit} ]" if submit else ""
        )
        inner = f"{title}\n{'─' * (width - 4)}\n{body}{footer}"
        return "\n".join("│ " + line for line in inner.split("\n"))
    blocks = payload.get("blocks") or []
    if blocks:
        return render_blocks(blocks, color=color, width=width, readers=readers)
    return "\n".join(
        _mrkdwn({"type": "mrkdwn", "text": payload.get("text", "")}, _Style(color, readers), width)
    )
