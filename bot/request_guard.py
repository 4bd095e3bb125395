"""Slack's request signature, checked on the raw bytes before anything parses them, and
replays of a signed request dropped.

A signature covers the timestamp and the body, so a request signed once can be sent again
unchanged for as long as its timestamp passes the five-minute check. Each accepted
signature is remembered until its timestamp leaves that window (at most REMEMBERED_MAX of
them, the oldest forgotten first); the same signature again is a replay. The memory is this
process's: with `serve --workers N` a replay that reaches another worker is not caught.
"""

import re
from collections import OrderedDict
from enum import StrEnum

from slack_sdk.signature import Clock, SignatureVerifier

WINDOW_SECONDS = 5 * 60
REMEMBERED_MAX = 20_000
# Unix seconds: digits only (int() would take "+1_700_000_000" and " 17 "), never absurdly long.
TIMESTAMP = re.compile(r"[0-9]{1,12}")


class Verdict(StrEnum):
    """What to do with a request to /slack/events."""

    ACCEPTED = "accepted"
    BAD_TIMESTAMP = "missing or malformed X-Slack-Request-Timestamp"
    BAD_SIGNATURE = "bad signature or timestamp outside the five-minute window"
    REPLAY = "replay of a signed request already handled"


class SlackRequestGuard:
    """Checks Slack's signature (slack-sdk's SignatureVerifier) and remembers what it let in."""

    def __init__(
        self, signing_secret: str, *, clock: Clock | None = None, remember: int = REMEMBERED_MAX
    ) -> None:
        self._clock = clock or Clock()
        self._verifier = SignatureVerifier(signing_secret, clock=self._clock)
        self._remember = remember
        self._seen: OrderedDict[str, int] = OrderedDict()

    def check(self, body: bytes, timestamp: str | None, signature: str | None) -> Verdict:
        """Whether the request is Slack's, fresh and seen for the first time."""
        if timestamp is None or not TIMESTAMP.fullmatch(timestamp):
            return Verdict.BAD_TIMESTAMP
        if not signature or not self._verifier.is_valid(body, timestamp, signature):
            return Verdict.BAD_SIGNATURE
        self._forget_expired()
        if signature in self._seen:
            return Verdict.REPLAY
        self._seen[signature] = int(timestamp)
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        return Verdict.ACCEPTED

    def __len__(self) -> int:
        """How many signatures are remembered now."""
        return len(self._seen)

    def _forget_expired(self) -> None:
        horizon = self._clock.now() - WINDOW_SECONDS
        while self._seen and next(iter(self._seen.values())) < horizon:
            self._seen.popitem(last=False)
