"""Block Kit drawn as a self-contained, Slack-like HTML page (no external CSS, fonts or scripts)."""

import html
from dataclasses import dataclass, field
from typing import Any

from bot.demo.mrkdwn_reader import NOBODY, Readers, emojize, parse_line

_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;background:#f4f4f5;margin:0;
color:#1d1c1d;font-size:15px;line-height:1.46}
main{max-width:760px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 16px}
.step{margin:28px 0 8px;color:#616061;font-size:13px;text-transform:uppercase;letter-spacing:.04em}
.msg{background:#fff;border:1px solid #e2e2e2;border-radius:8px;padding:12px 16px;margin:8px 0}
.thread{margin-left:40px;border-left:3px solid #d0d0d0}
.meta{font-size:13px;color:#616061;margin-bottom:6px}.meta b{color:#1d1c1d}
.app{background:#e8e8e8;border-radius:3px;padding:0 4px;font-size:11px;margin-left:4px}
.eph{font-size:12px;color:#616061;font-style:italic}
.hdr{font-size:18px;font-weight:700;margin:4px 0}
.ctx{font-size:12px;color:#616061;margin:4px 0}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px}
hr{border:0;border-top:1px solid #e2e2e2;margin:8px 0}
.btn{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:2px 10px;
margin:4px 6px 4px 0;font-size:13px;font-weight:700;background:#fff}
.primary{background:#007a5a;color:#fff;border-color:#007a5a}.danger{color:#e01e5a;border-color:#e01e5a}
blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:8px;color:#454245}
code{background:#f6f6f6;border:1px solid #e2e2e2;border-radius:3px;padding:0 3px;color:#e01e5a}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.modal{border:2px solid #611f69}.modal .title{font-weight:700;font-size:17px;margin-bottom:8px}
.input label{font-weight:700;display:block;margin-top:8px}
.field{border:1px solid #bbb;border-radius:4px;padding:4px 8px;color:#616061;margin-top:2px}
img{max-width:100%;border-radius:6px}
.user{background:#f5f9fc;border-color:#cfe3f1}
.typed{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px}
.act{font-size:13px;color:#454245;margin:8px 0 8px 16px}
.note{font-size:13px;color:#454245;background:#fff8e6;border-left:4px solid #e8a723;
padding:6px 10px;margin:8px 0}
dl.filled{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0 0}
dl.filled dt{font-weight:700}dl.filled dd{margin:0}
"""


@dataclass(frozen=True)
class Entry:
    """One thing to show in the transcript: a step caption, a message, or a view."""

    # "step", "message", "ephemeral", "reply", "view"; "user" (what a person typed, clicked
    # or submitted: payload "typed", "clicked" or "submitted"); "note" (outside Slack).
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    where: str = ""
    when: str = ""
    caption: str = ""


def _runs(line: str, readers: Readers) -> str:
    out = []
    for run in parse_line(line, readers):
        text = html.escape(run.text)
        if run.code:
            text = f"<code>{text}</code>"
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        if run.strike:
            text = f"<s>{text}</s>"
        if run.mention:
            text = f'<span class="mention">{text}</span>'
        if run.link:
            text = f'<a href="{html.escape(run.link, quote=True)}">{text}</a>'
        out.append(text)
    return "".join(out)


def _text(obj: Any, readers: Readers) -> str:
    if not isinstance(obj, dict):
        return html.escape(str(obj or ""))
    raw = str(obj.get("text", ""))
    if obj.get("type") == "plain_text":
        return html.escape(emojize(raw)).replace("\n", "<br>")
    lines = []
    for line in raw.split("\n"):
        if line.startswith("&gt; ") or line.startswith("> "):
            lines.append(f"<blockquote>{_runs(line.split(' ', 1)[1], readers)}</blockquote>")
        else:
            lines.append(_runs(line, readers) + "<br>")
    return "".join(lines)


def _element(element: dict[str, Any], readers: Readers) -> str:
    kind = element.get("type", "")
    label = _text(element.get("text") or element.get("placeholder") or "", readers)
    if kind == "button":
        return f'<span class="btn {html.escape(element.get("style", ""))}">{label}</span>'
    if kind == "image":
        return f'<span class="ctx">[{html.escape(element.get("alt_text", "image"))}]</span>'
    if kind == "radio_buttons":
        chosen = (element.get("initial_option") or {}).get("value")
        return "<br>".join(
            f"{'◉' if o.get('value') == chosen else '○'} {_text(o.get('text'), readers)}"
            for o in element.get("options", [])
        )
    initial = element.get("initial_option") or {}
    shown = (
        _text(initial.get("text"), readers)
        if initial
        else html.escape(element.get("initial_value") or element.get("initial_date") or "") or label
    )
    return f'<div class="field">{shown or "&nbsp;"}</div>'


def render_blocks(blocks: list[dict[str, Any]], readers: Readers = NOBODY) -> str:
    """Blocks as HTML."""
    out: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            out.append(f'<div class="hdr">{_text(block.get("text"), readers)}</div>')
        elif kind == "section":
            if block.get("text"):
                out.append(f"<div>{_text(block['text'], readers)}</div>")
            if block.get("fields"):
                cells = "".join(f"<div>{_text(f, readers)}</div>" for f in block["fields"])
                out.append(f'<div class="fields">{cells}</div>')
            if block.get("accessory"):
                out.append(_element(block["accessory"], readers))
        elif kind == "context":
            parts = " · ".join(
                _element(e, readers) if e.get("type") == "image" else _text(e, readers)
                for e in block.get("elements", [])
            )
            out.append(f'<div class="ctx">{parts}</div>')
        elif kind == "divider":
            out.append("<hr>")
        elif kind == "actions":
            buttons = "".join(_element(e, readers) for e in block.get("elements", []))
            out.append(f"<div>{buttons}</div>")
        elif kind == "image":
            alt = html.escape(block.get("alt_text", ""))
            src = block.get("image_url", "")
            out.append(
                f'<img alt="{alt}" src="{html.escape(src, quote=True)}">'
                if src.startswith("data:")
                else f'<div class="ctx">[image: {alt}]</div>'
            )
        elif kind == "input":
            optional = " <span class='ctx'>(optional)</span>" if block.get("optional") else ""
            out.append(
                f'<div class="input"><label>{_text(block.get("label"), readers)}{optional}</label>'
                f"{_element(block.get('element', {}), readers)}</div>"
            )
    return "\n".join(out)


def _lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.splitlines())


def _user_entry(entry: Entry) -> str:
    """What a person did, as they did it: the command as typed, the button, the filled form."""
    action, who = entry.payload, f"<b>{html.escape(entry.caption)}</b>"
    when = html.escape(entry.when)
    if "clicked" in action:
        button = f'<span class="btn">{html.escape(action["clicked"])}</span>'
        return (
            f'<div class="act">{who} clicked {button} · {html.escape(entry.where)} · {when}</div>'
        )
    if "submitted" in action:
        fields = "".join(
            f"<dt>{html.escape(label)}</dt><dd>{_lines(value)}</dd>"
            for label, value in action.get("fields", [])
        )
        button = f'<span class="btn primary">{html.escape(action["button"])}</span>'
        return (
            f'<div class="msg user"><div class="meta">{who} filled in '
            f"<b>{html.escape(action['submitted'])}</b> and clicked {button} · {when}</div>"
            f'<dl class="filled">{fields}</dl></div>'
        )
    return (
        f'<div class="msg user"><div class="meta">{who} {when} · {html.escape(entry.where)}</div>'
        f'<div class="typed">{html.escape(action.get("typed", ""))}</div></div>'
    )


def _entry(entry: Entry, readers: Readers) -> str:
    if entry.kind == "step":
        return f'<div class="step">{html.escape(entry.caption)}</div>'
    if entry.kind == "user":
        return _user_entry(entry)
    if entry.kind == "note":
        return f'<div class="note">{html.escape(entry.caption)}</div>'
    payload = entry.payload
    if entry.kind == "view":
        title = _text(payload.get("title"), readers) or "App Home"
        submit = payload.get("submit")
        footer = f'<span class="btn primary">{_text(submit, readers)}</span>' if submit else ""
        blocks = render_blocks(payload.get("blocks", []), readers)
        return (
            f'<div class="msg modal"><div class="meta">{html.escape(entry.where)}</div>'
            f'<div class="title">{title}</div>{blocks}{footer}</div>'
        )
    body = (
        render_blocks(payload["blocks"], readers)
        if payload.get("blocks")
        else _text({"type": "mrkdwn", "text": payload.get("text", "")}, readers)
    )
    note = '<div class="eph">Only visible to you</div>' if entry.kind == "ephemeral" else ""
    css = "msg thread" if entry.kind == "reply" else "msg"
    meta = (
        f'<b>leadloop</b><span class="app">APP</span> {html.escape(entry.when)} '
        f"· {html.escape(entry.where)}"
    )
    return f'<div class="{css}"><div class="meta">{meta}</div>{note}{body}</div>'


def render_transcript(title: str, entries: list[Entry], readers: Readers = NOBODY) -> str:
    """A whole transcript as one HTML page."""
    items = "\n".join(_entry(e, readers) for e in entries)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>\n{items}\n</main></body></html>"
    )
