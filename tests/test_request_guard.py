"""Slack's signature checked on raw bytes, and replays remembered for five minutes, no longer."""

import pytest
from slack_sdk.signature import Clock

from bot.request_guard import WINDOW_SECONDS, SlackRequestGuard, Verdict
from tests.factories import SIGNING_SECRET, sign

T0 = 1_790_000_000


class StoppedClock(Clock):
    """Slack-sdk's clock, standing still until moved."""

    def __init__(self, now: int) -> None:
        self.seconds = now

    def now(self) -> float:
        return float(self.seconds)


def signed(body: str, timestamp: int = T0) -> tuple[bytes, str, str]:
    headers = sign(body, timestamp=timestamp)
    return body.encode(), headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]


def test_a_signed_request_passes_once_and_its_replay_is_caught() -> None:
    guard = SlackRequestGuard(SIGNING_SECRET, clock=StoppedClock(T0 + 10))
    assert guard.check(*signed("text=hot")) is Verdict.ACCEPTED
    assert guard.check(*signed("text=hot")) is Verdict.REPLAY
    assert guard.check(*signed("text=hot", T0 + 1)) is Verdict.ACCEPTED  # signed anew


@pytest.mark.parametrize("timestamp", [None, "", "abc", "1e9", "+1790000000", " 1790000000"])
def test_a_malformed_timestamp_is_refused_before_the_signature(timestamp: str | None) -> None:
    guard = SlackRequestGuard(SIGNING_SECRET, clock=StoppedClock(T0))
    body, _, signature = signed("text=hot")
    assert guard.check(body, timestamp, signature) is Verdict.BAD_TIMESTAMP


def test_a_forged_or_stale_request_is_refused() -> None:
    clock = StoppedClock(T0)
    guard = SlackRequestGuard(SIGNING_SECRET, clock=clock)
    body, timestamp, _ = signed("text=hot")
    assert guard.check(body, timestamp, "v0=" + "0" * 64) is Verdict.BAD_SIGNATURE
    assert guard.check(body, timestamp, None) is Verdict.BAD_SIGNATURE
    clock.seconds = T0 + WINDOW_SECONDS + 1
    assert guard.check(*signed("text=hot")) is Verdict.BAD_SIGNATURE


def test_the_memory_is_bounded_and_forgets_what_the_window_refuses_anyway() -> None:
    clock = StoppedClock(T0)
    guard = SlackRequestGuard(SIGNING_SECRET, clock=clock, remember=2)
    for text in ("a", "b", "c"):
        assert guard.check(*signed(f"text={text}")) is Verdict.ACCEPTED
    # Only two are remembered: the oldest went first.
    assert guard.check(*signed("text=a")) is Verdict.ACCEPTED
    assert guard.check(*signed("text=c")) is Verdict.REPLAY

    assert len(guard) == 2

    clock.seconds = T0 + WINDOW_SECONDS + 1
    fresh = signed("text=d", clock.seconds)
    assert guard.check(*fresh) is Verdict.ACCEPTED
    assert len(guard) == 1  # the two from T0 are past the window, forgotten
    assert guard.check(*fresh) is Verdict.REPLAY
