"""`leadloop demo` plays the whole week against the stand-in and leaves a readable transcript."""

import html
import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo.render_html import Entry, render_transcript
from bot.demo.session import DemoApp
from bot.demo.week import NAMES, RAJ, START, play_week, run_demo
from storage.models import Campaign, Feedback, Lead
from tests.helpers import count_rows


async def test_the_week_plays_every_part_of_the_loop(tmp_path: Path) -> None:
    out = io.StringIO()
    async with DemoApp(out=out, start=START, names=NAMES) as demo:
        await play_week(demo)
        calls = demo.standin.calls
        assert [c.method for c in calls if not c.response.get("ok")] == []
        posts = [c.params for c in calls if c.method == "chat.postMessage"]
        previews = [p for p in posts if "Campaign preview" in p["text"]]
        assert len(previews) == 2
        assert any(p.get("thread_ts") and "*Question* from" in p["text"] for p in posts)
        assert any(p["channel"] == RAJ and "waiting for your feedback" in p["text"] for p in posts)
        digest = [p for p in posts if p["channel"] == "C0SALES" and "digest" in p["text"].lower()]
        assert len(digest) == 1
        assert await count_rows(demo.deps, Campaign) == 2
        assert await count_rows(demo.deps, Lead) == 7
        assert await count_rows(demo.deps, Feedback) == 5
    shown = out.getvalue()
    for step in ("Marketing previews", "asks a question", "POST /api/leads", "nudge", "digest"):
        assert step in shown
    assert "<!channel> @here budget frozen" in shown  # the hostile note, shown as text
    assert "Weekly lead digest" in shown


async def test_the_transcript_is_self_contained_html(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = await run_demo(io.StringIO(), interactive=False)
    page = (tmp_path / path).read_text()
    assert page.startswith("<!doctype html>")
    assert not re.search(r"<(script|link)\b", page)
    assert not re.search(r"""(src|href)=["']https?://(?!example\.)""", page)
    assert "Campaign preview: Spring Webinar" in page and "Weekly lead digest" in page
    assert "<b>Question</b> from" in page and "Leads waiting for your verdict" in page
    assert "&lt;!channel&gt;" in page and "<!channel>" not in page


async def test_interactive_reads_commands_from_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    typed = io.StringIO(
        "/leadfeedback help\n/campaign-preview list\nhello\n/leadfeedback mine\nquit\n"
    )
    await run_demo(out, interactive=True, stdin=typed)
    after = out.getvalue().split("raj> ", 1)[1]
    assert "Tell marketing how good a lead was" in after
    assert "Spring Webinar" in after and "Q1 Pricing Promo" in after
    assert "Type /leadfeedback … or /campaign-preview …, buttons, or quit." in after
    assert "Your open leads" in after


def test_the_readme_run_command_plays_to_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert (tmp_path / "demo" / "transcript.html").exists()
    assert "The whole week as Slack would show it" in capsys.readouterr().out


def _rendered(entry: Entry, demo: DemoApp) -> str:
    return render_transcript("one entry", [entry], demo.readers).split("<main>", 1)[1]


async def test_the_transcript_shows_what_people_typed_and_did() -> None:
    async with DemoApp(out=io.StringIO(), start=START, names=NAMES) as demo:
        await play_week(demo)
        entries = demo.transcript.entries
        # Every step has something under it before the next step.
        for entry, following in zip(entries, [*entries[1:], None], strict=True):
            if entry.kind == "step":
                assert following is not None and following.kind != "step", entry.caption
        done = [_rendered(e, demo) for e in entries if e.kind in ("user", "note")]
    typed = [html.unescape(re.sub(r"<[^>]+>", "", d)) for d in done]
    # The command as the person typed it: the slash command, and mentions as Slack shows them.
    hostile = (
        "/leadfeedback li@globex.com cold timing @channel @here budget frozen until @maya calls"
    )
    assert any(hostile in t for t in typed)
    assert any("/campaign-preview Spring Webinar" in t for t in typed)
    assert not any("<!channel>" in t or "<@U0MAYA>" in t for t in typed)
    # Clicks and filled-in modals are shown, not just what the app answered.
    assert any("raj" in t and "clicked" in t and "Ready to sell" in t for t in typed)
    assert any("Will we get the attendee list" in t and "Post" in t for t in typed)
    assert any("Launch date" in t and "Thu 26 Nov 2026" in t for t in typed)
    assert any("7 created, 1 rejected" in t for t in typed)


async def test_interactive_fills_modals_and_presses_buttons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    answers = [
        "/leadfeedback kim@hooli.com",  # the feedback modal opens with Kim chosen
        "",  # Lead: keep Kim Lee
        "",  # How good was it? is required: asked again
        "1",  # Hot
        "meeting",  # Status, by its name
        "",  # Why not hot? (optional): none
        "",  # Campaign (optional): none
        "Booked a demo for Friday",  # Note
        "",  # Enter submits
        "2",  # the confirmation's buttons: 1 Edit, 2 Undo
        "buttons",  # every button on the messages Raj can see
        "",  # Enter: go on without pressing one
        "quit",
    ]
    typed = io.StringIO("\n".join(answers) + "\n")
    await run_demo(out, interactive=True, stdin=typed)
    after = out.getvalue().split("raj>", 1)[1]
    assert "How good was it?" in after and "1) Hot: sales-ready" in after
    assert "Please answer: this field is required." in after
    assert "Recorded for Kim Lee" in after and "Booked a demo for Friday" in after
    assert "1) Edit" in after and "2) Undo" in after
    assert "Undone" in after
    # `buttons` lists the buttons still on #sales and Raj's DMs: the previews and the nudge.
    listed = after.split("buttons", 1)[-1]
    assert "Ready to sell" in listed and "Leads waiting for your verdict" in listed
    assert typed.read() == ""  # every answer was read


async def test_interactive_presses_a_button_left_on_the_week_s_nudge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    commands = iter(["buttons", "quit"])

    async def ask(question: str) -> str | None:
        if question.startswith("raj>"):
            return next(commands)
        # Read the listing as a person would: the number of the Hot button under the lead the
        # week left unanswered on the nudge.
        found = re.search(r"\(DM to @raj\):\n[^\n]*\n\s+(\d+)\) 🔥 Hot", out.getvalue())
        return found.group(1) if found else ""

    path = await run_demo(out, interactive=True, ask=ask)
    after = out.getvalue().split("raj>", 1)[1]
    assert "🔥 Hot: recorded" in after
    page = re.sub(r"<[^>]+>", "", (tmp_path / path).read_text())
    assert "raj clicked 🔥 Hot" in page
