"""Feedback to the CRM: the outbox's events POSTed to LEADLOOP_FEEDBACK_WEBHOOK_URL, signed.

Each POST carries the event as JSON and two headers:
`X-Leadloop-Delivery: <event id>` (the same on every retry, for de-duplication) and
`X-Leadloop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed with
LEADLOOP_WEBHOOK_SECRET. A 2xx answer marks the event delivered; anything else (an error, a
timeout, a 5xx, a redirect) schedules another try with exponential back-off. Recording
feedback never waits for any of this.
"""

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.deps import Deps
from bot.metrics import JOB_FAILURES, JOB_RUNS
from storage.outbox import DueEvent, claim_due_events, mark_delivered, mark_failed, prune_delivered

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Leadloop-Signature"
DELIVERY_HEADER = "X-Leadloop-Delivery"
FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=1)
# Longer than one attempt can take, so no other process claims an event still in flight.
LEASE = timedelta(minutes=2)
REQUEST_TIMEOUT = 10.0
BATCH = 20
POLL_SECONDS = 2.0
KEEP_DELIVERED = timedelta(days=30)
PRUNE_EVERY = timedelta(hours=1)

Hook = Callable[[], Coroutine[Any, Any, None]]


def signature(body: bytes, *, secret: str, timestamp: int) -> str:
    """The signature header's value for a body sent at timestamp (unix seconds)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the attempts-th failure: 10 s, 20 s, 40 s, … at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


@dataclass(frozen=True)
class DeliveryReport:
    """What one round of delivery did."""

    delivered: int = 0
    failed: int = 0


class FeedbackWebhook:
    """Delivers the outbox to one URL: call `deliver_due()` directly, or `start()` a loop."""

    def __init__(
        self,
        deps: Deps,
        *,
        url: str,
        secret: str,
        client: httpx.AsyncClient | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._deps = deps
        self._url = url
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=REQUEST_TIMEOUT)
        self._owns_client = client is None
        self._poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._pruned_at: datetime | None = None

    async def deliver_due(self) -> DeliveryReport:
        """Send every event that is due now (by the injected clock); a report of what happened."""
        delivered = failed = 0
        while True:
            async with self._deps.sessions.begin() as session:
                events = await claim_due_events(
                    session=session, now=self._deps.clock.now(), lease=LEASE, limit=BATCH
                )
            if not events:
                return DeliveryReport(delivered, failed)
            outcomes = await asyncio.gather(*(self._deliver(event) for event in events))
            delivered += sum(outcomes)
            failed += len(outcomes) - sum(outcomes)

    async def _deliver(self, event: DueEvent) -> bool:
        error = await self._post(event)
        JOB_RUNS.labels(kind="webhook").inc()
        now = self._deps.clock.now()
        async with self._deps.sessions.begin() as session:
            if error is None:
                await mark_delivered(session=session, event_id=event.id, now=now)
                return True
            JOB_FAILURES.labels(kind="webhook").inc()
            retry_at = now + retry_delay(event.attempts)
            await mark_failed(session=session, event_id=event.id, retry_at=retry_at, error=error)
        logger.warning(
            "feedback webhook: event %s failed (attempt %d: %s); next try at %s",
            event.event_id,
            event.attempts,
            error,
            retry_at.isoformat(timespec="seconds"),
        )
        return False

    async def _post(self, event: DueEvent) -> str | None:
        """Send one event; None when the receiver accepted it, else what went wrong."""
        body = event.body.encode()
        timestamp = int(self._deps.clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "leadloop-webhook/1",
            DELIVERY_HEADER: event.event_id,
            SIGNATURE_HEADER: signature(body, secret=self._secret, timestamp=timestamp),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            # The exception's class says enough; its text could carry the URL and its secrets.
            return type(exc).__name__
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    async def _prune(self) -> None:
        now = self._deps.clock.now()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        async with self._deps.sessions.begin() as session:
            await prune_delivered(session=session, before=now - KEEP_DELIVERED)
        self._pruned_at = now

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.deliver_due()
                await self._prune()
            except Exception:  # noqa: BLE001 - a database hiccup must not end delivery for good
                logger.exception("feedback webhook: delivery round failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._poll_seconds)

    async def start(self) -> None:
        """Start delivering in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="feedback-webhook")
            logger.info("feedback webhook: delivering to the configured URL")

    async def stop(self) -> None:
        """Stop delivering; what is still pending waits in the outbox for the next start.

        A round in flight may finish, so an accepted event is marked delivered rather than
        sent again after the restart.
        """
        if self._task is not None:
            self._stopping.set()
            try:
                await asyncio.wait_for(self._task, REQUEST_TIMEOUT + 5)
            except TimeoutError:
                logger.warning("feedback webhook: stopped in the middle of a delivery round")
            self._task = None
        if self._owns_client:
            await self._client.aclose()


def lifespan_hooks(deps: Deps) -> tuple[list[Hook], list[Hook]]:
    """Start-up and shut-down hooks for `serve`: none unless the webhook URL is set."""
    settings = deps.settings
    if settings.feedback_webhook_url is None:
        return [], []
    settings.require("LEADLOOP_WEBHOOK_SECRET")
    assert settings.webhook_secret is not None
    webhook = FeedbackWebhook(
        deps,
        url=settings.feedback_webhook_url,
        secret=settings.webhook_secret.get_secret_value(),
    )
    return [webhook.start], [webhook.stop]
