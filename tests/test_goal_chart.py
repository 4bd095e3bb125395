"""The goals chart: a PNG of the promised size, drawn from known data, with alt text."""

import struct
from pathlib import Path

from handlers.views.goal_chart import ALT_TEXT_MAX, ChartData, alt_text, render_chart

KNOWN = ChartData(
    title="Shared goals, week ending 23 Nov 2026",
    week_labels=[
        "7 Sep",
        "14 Sep",
        "21 Sep",
        "28 Sep",
        "5 Oct",
        "12 Oct",
        "19 Oct",
        "26 Oct",
        "2 Nov",
        "9 Nov",
        "16 Nov",
        "23 Nov",
    ],  # fmt: skip
    coverage=[0.42, 0.5, None, 0.55, 0.61, 0.58, 0.66, 0.7, 0.74, 0.72, 0.81, 0.85],
    junk_share=[0.3, 0.28, None, 0.22, 0.2, 0.18, 0.15, 0.16, 0.12, 0.11, 0.09, 0.08],
    coverage_target=0.8,
    junk_target=0.1,
    campaigns=[
        ("Spring Webinar", {"hot": 6, "warm": 4, "cold": 2, "junk": 1}),
        (
            "Cold Outreach to Enterprise Accounts in EMEA",
            {"hot": 1, "warm": 2, "cold": 3, "junk": 5},
        ),
        ("Partner referrals", {"hot": 4, "warm": 1, "cold": 0, "junk": 0}),
        ("no campaign", {"hot": 0, "warm": 1, "cold": 1, "junk": 2}),
    ],
)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (the IHDR chunk right after the signature)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_chart_is_a_1200_by_900_png(tmp_path: Path) -> None:
    png = render_chart(KNOWN)
    assert png_size(png) == (1200, 900)
    (tmp_path / "goals.png").write_bytes(png)


def test_a_week_without_rated_campaigns_still_draws() -> None:
    empty = ChartData("Shared goals", ["23 Nov"], [None], [None], None, None, [])
    assert png_size(render_chart(empty)) == (1200, 900)
    assert "no data this week" in alt_text(empty) and "No campaign" in alt_text(empty)
    assert "the last week:" in alt_text(empty) and empty.empty
    assert not KNOWN.empty


def test_alt_text_says_what_the_chart_shows() -> None:
    text = alt_text(KNOWN)
    assert "feedback coverage went from 42% to 85% this week (target 80%)" in text
    assert "junk share of rated leads went from 30% to 8% this week (target 10%)" in text
    assert "Spring Webinar: 6 hot, 4 warm, 2 cold, 1 junk" in text
    many = ChartData("t", ["w"], [0.5], [0.1], 0.8, 0.1, [("x" * 300, {"hot": 1})] * 5)
    assert len(alt_text(many)) <= ALT_TEXT_MAX
