"""`leadloop demo` plays the whole week against the stand-in and leaves a readable transcript."""

import io
import re
from pathlib import Path

import pytest

from bot.cli import main
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
    assert "Type /leadfeedback … or /campaign-preview …, or quit." in after
    assert "Your open leads" in after


def test_the_readme_run_command_plays_to_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert (tmp_path / "demo" / "transcript.html").exists()
    assert "The whole week as Slack would show it" in capsys.readouterr().out
