"""Block Kit drawn for a terminal and as HTML shows what Slack would show."""

import json
import re

from bot.cli import main
from bot.demo.render_html import Entry, render_transcript
from bot.demo.render_text import render_message
from handlers.views import feedback_blocks
from tests.test_feedback_blocks import campaign_fixture, lead, record

HOSTILE_NOTE = "<!channel> <@U1> see <http://evil.example|this> & <script>alert(1)</script>"


def confirmation() -> dict:
    feedback = record()
    feedback.note = HOSTILE_NOTE
    return feedback_blocks.confirmation(
        lead(name="Ada"), feedback, campaign_fixture(), created_lead=False
    ).as_kwargs()


def test_terminal_shows_text_buttons_and_the_note_as_typed() -> None:
    shown = render_message(confirmation())
    assert "✅ Recorded for Ada" in shown and "🗑️ Junk" in shown and "#q4" in shown
    assert "[ Edit ]  [ Undo ]" in shown
    assert "│ <!channel> <@U1> see <http://evil.example|this> & <script>" in shown
    assert "\033[" not in shown


def test_terminal_draws_modals_with_their_inputs() -> None:
    view = feedback_blocks.feedback_modal(lead=None, campaigns=[], initial=None, metadata={})
    shown = render_message(view)
    assert shown.startswith("│ Lead feedback") and "│ How good was it?" in shown
    assert "( ) Hot: sales-ready" in shown and "[ Cancel ]  [ Record ]" in shown


def test_html_is_self_contained_and_escapes_user_text() -> None:
    page = render_transcript(
        "Demo",
        [
            Entry("step", caption="1. Feedback"),
            Entry("ephemeral", confirmation(), "#sales", "10:00"),
        ],
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;!channel&gt;" in page and "Only visible to you" in page
    assert not re.search(r"<(link|script)\b", page)
    assert not re.search(r"(src|href)=['\"]https?://(?!evil\.example)", page)


def test_preview_command_renders_a_file(tmp_path, capsys) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(confirmation()))
    assert main(["preview", str(path)]) == 0
    assert "[ Edit ]" in capsys.readouterr().out


def test_preview_command_refuses_garbage(tmp_path, capsys) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{nope")
    assert main(["preview", str(path)]) == 2
    assert capsys.readouterr().err.startswith("leadloop: cannot read Block Kit JSON")


def test_styles_only_at_word_edges_and_emoji_codes_survive() -> None:
    shown = render_message(
        {"text": "a snake_case_word, _italic_, *bold*, :heavy_minus_sign: and x*y*z"}
    )
    assert shown == "a snake_case_word, italic, bold, ➖ and x*y*z"
