"""The digest's chart: the goals' 12-week trend and the week's lead quality by campaign, as PNG.

Drawn with matplotlib's Agg canvas on a Figure of its own (no pyplot, no display, no global
state), 1200×900 px with large type so it reads on a phone, in the Okabe–Ito palette that
colour-blind readers can tell apart; lines also differ by marker and the junk bars by hatching.
"""

import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from handlers.views.goal_blocks import goal_figure
from storage.goal_targets import Goal

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_PX, HEIGHT_PX, DPI = 1200, 900, 100
ALT_TEXT_MAX = 1000
CAMPAIGNS_MAX = 5
NAME_MAX = 20

# Okabe & Ito (2008), "Color Universal Design".
BLUE, VERMILLION, ORANGE, SKY_BLUE, GREY = "#0072B2", "#D55E00", "#E69F00", "#56B4E9", "#6E6E6E"
GREEN = "#009E73"
RATING_COLOURS = {"hot": VERMILLION, "warm": ORANGE, "cold": SKY_BLUE, "junk": GREY}
RATINGS = ("hot", "warm", "cold", "junk")
# A white box behind this week's figure keeps it legible across a target line.
LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}


@dataclass(frozen=True)
class ChartData:
    """What the chart shows; shares are fractions, None where a week had nothing to measure."""

    title: str
    week_labels: list[str]
    coverage: list[float | None]
    junk_share: list[float | None]
    coverage_target: float | None
    junk_target: float | None
    # (campaign name, {rating: leads}) for the week's top campaigns, biggest first.
    campaigns: list[tuple[str, dict[str, int]]]
    # Median business minutes to first touch per week (a second axis, in minutes).
    first_touch: list[float | None] = field(default_factory=list)
    first_touch_target: float | None = None

    @property
    def empty(self) -> bool:
        """Nothing to draw: no week has a figure and no campaign's leads were rated."""
        points = [v for v in (*self.coverage, *self.junk_share, *self.first_touch) if v is not None]
        return not points and not self.campaigns


def _share(value: float) -> str:
    """A share as the digest's goal lines write it, so the chart reads the same figure."""
    return goal_figure(Goal.COVERAGE, value)


def _percent(values: list[float | None]) -> list[float]:
    return [math.nan if v is None else v * 100 for v in values]


def _short(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def _draw_trend(axes: "Axes", data: ChartData) -> None:
    x = list(range(len(data.week_labels)))
    lines = (
        ("Feedback coverage", data.coverage, data.coverage_target, BLUE, "o", "-"),
        ("Junk share of rated leads", data.junk_share, data.junk_target, VERMILLION, "s", "-"),
    )
    for label, values, target, colour, marker, style in lines:
        axes.plot(x, _percent(values), color=colour, marker=marker, markersize=11,
                  linewidth=4, linestyle=style, label=label)  # fmt: skip
        if values and values[-1] is not None:
            # This week's figure, written as the digest writes it.
            axes.annotate(_share(values[-1]), (x[-1], values[-1] * 100), xytext=(0, 14),
                          textcoords="offset points", ha="center", fontsize=17,
                          fontweight="bold", color=colour, bbox=LABEL_BOX)  # fmt: skip
        if target is not None:
            axes.axhline(target * 100, color=colour, linestyle="--", linewidth=3,
                         label=f"target {target:.0%}")  # fmt: skip
    # Head room above 100% keeps the legend clear of the lines.
    axes.set_ylim(0, 132)
    axes.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    axes.set_xticks(x, data.week_labels)
    axes.set_xlim(-0.4, len(x) - 0.6)
    axes.tick_params(axis="both", labelsize=16)
    axes.tick_params(axis="x", labelrotation=45)
    axes.grid(axis="y", color="#DDDDDD", linewidth=1)
    axes.set_title("Weekly trend (week ending)", fontsize=21, loc="left", pad=12)
    axes.legend(fontsize=16, loc="upper left", frameon=False, ncols=2, handlelength=2.5)
    axes.spines[["top", "right"]].set_visible(False)
    if any(v is not None for v in data.first_touch):
        _draw_first_touch(axes.twinx(), x, data)


def _draw_first_touch(axes: "Axes", x: list[int], data: ChartData) -> None:
    """The median first touch on its own axis (business minutes, at the right)."""
    values = [math.nan if v is None else v for v in data.first_touch]
    axes.plot(x, values, color=GREEN, marker="^", markersize=11, linewidth=4, linestyle=":",
              label="Median first touch (min)")  # fmt: skip
    if data.first_touch_target is not None:
        axes.axhline(data.first_touch_target, color=GREEN, linestyle="-.", linewidth=2,
                     label=f"target {data.first_touch_target:.0f} min")  # fmt: skip
    top = max([v for v in values if not math.isnan(v)] + [data.first_touch_target or 0])
    axes.set_ylim(0, top * 1.4 or 1)
    axes.set_ylabel("business minutes", fontsize=16, color=GREEN)
    axes.tick_params(axis="y", labelsize=16, colors=GREEN)
    axes.legend(fontsize=16, loc="upper right", frameon=False, handlelength=2.5)
    axes.spines[["top"]].set_visible(False)


def _draw_campaigns(axes: "Axes", data: ChartData) -> None:
    axes.set_title("Lead quality by campaign this week", fontsize=21, loc="left", pad=12)
    axes.spines[["top", "right"]].set_visible(False)
    campaigns = data.campaigns[:CAMPAIGNS_MAX]
    if not campaigns:
        axes.set_axis_off()
        axes.text(0.5, 0.5, "No campaign's leads were rated this week.", fontsize=20,
                  ha="center", va="center", transform=axes.transAxes)  # fmt: skip
        return
    names = [_short(name) for name, _ in campaigns][::-1]
    left = [0] * len(names)
    for rating in RATINGS:
        counts = [counts.get(rating, 0) for _, counts in campaigns][::-1]
        bars = axes.barh(names, counts, left=left, color=RATING_COLOURS[rating], label=rating,
                         edgecolor="white", linewidth=1.5,
                         hatch="//" if rating == "junk" else None)  # fmt: skip
        text_colour = "white" if rating in ("hot", "junk") else "black"
        axes.bar_label(bars, labels=[str(n) if n else "" for n in counts], label_type="center",
                       fontsize=17, color=text_colour, fontweight="bold")  # fmt: skip
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.tick_params(axis="both", labelsize=17)
    axes.set_xlabel("leads rated", fontsize=17)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize=17, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
                reverse=False, handlelength=1.5)  # fmt: skip


def render_chart(data: ChartData) -> bytes:
    """The chart as PNG bytes, 1200×900 px.

    matplotlib is imported here, when a chart is drawn, rather than with this module: it
    added about a second and 30 MiB to the start of every `leadloop` command and server.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(data.title, fontsize=26, fontweight="bold")
    trend, campaigns = figure.subplots(2, 1, height_ratios=(1.15, 1))
    _draw_trend(trend, data)
    _draw_campaigns(campaigns, data)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _trend_words(label: str, values: list[float | None], target: float | None) -> str:
    """How a line went, ending with this week's figure (the last point), as the digest says it."""
    goal = f" (target {_share(target)})" if target is not None else ""
    now = values[-1] if values else None
    if now is None:
        return f"{label}: no data this week{goal}"
    earlier = [v for v in values[:-1] if v is not None]
    if not earlier:
        return f"{label}: {_share(now)} this week{goal}"
    return f"{label} went from {_share(earlier[0])} to {_share(now)} this week{goal}"


def _minutes_words(values: list[float | None], target: float | None) -> str:
    """How the median first touch went, in business minutes, for the alt text."""
    goal = f" (target {target:.0f} min)" if target is not None else ""
    now = values[-1] if values else None
    said = "no data this week" if now is None else f"{now:.0f} min this week"
    return f"Median first touch in business minutes: {said}{goal}. "


def alt_text(data: ChartData) -> str:
    """A description of the chart for screen readers, within Slack's alt text limit."""
    weeks = len(data.week_labels)
    span = "week" if weeks == 1 else f"{weeks} weeks"
    text = (
        f"{data.title}. Line chart of the last {span}: "
        f"{_trend_words('feedback coverage', data.coverage, data.coverage_target)}; "
        f"{_trend_words('junk share of rated leads', data.junk_share, data.junk_target)}. "
    )
    if any(v is not None for v in data.first_touch):
        text += _minutes_words(data.first_touch, data.first_touch_target)
    if data.campaigns:
        parts = [
            f"{name}: " + ", ".join(f"{counts.get(r, 0)} {r}" for r in RATINGS)
            for name, counts in data.campaigns[:CAMPAIGNS_MAX]
        ]
        text += "Bar chart of lead quality by campaign this week: " + "; ".join(parts) + "."
    else:
        text += "No campaign's leads were rated this week."
    return text if len(text) <= ALT_TEXT_MAX else text[: ALT_TEXT_MAX - 1] + "…"
