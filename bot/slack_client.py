"""The one Slack Web API client, with retries for rate limits, server errors and lost connections.

slack-sdk retries only connection errors by default; a 429 or a 5xx would otherwise reach
the user as a failure. The rate-limit handler waits for Slack's Retry-After before trying
again: a 429 means Slack did nothing, so every method may be retried after it.

A 5xx or a connection that drops mid-call is another matter for a call that creates
something: Slack may have posted the message before it failed, and a blind retry posts it
twice. Those methods are retried by the client only when the request never left (the
connection could not be opened); otherwise the failure goes to the caller, which looks the
post up by its key before it posts again (handlers.post_intent).
"""

from urllib.parse import urlsplit

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import SLACK_API_ERRORS, SLACK_RATE_LIMITED

RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 3
CONNECTION_ERROR_RETRIES = 2
BACKOFF_FACTOR = 0.5

# Methods whose effect a failed call may already have had: never repeated blindly.
CREATING_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.completeUploadExternal",
        "files.upload",
    }
)


def api_method(request: HttpRequest) -> str:
    """The Web API method a request calls, such as chat.postMessage."""
    return urlsplit(request.url).path.rsplit("/", 1)[-1]


def creates_something(request: HttpRequest) -> bool:
    """Whether the request calls a Web API method that a repeat would do twice."""
    return api_method(request) in CREATING_METHODS


class CountingHandler(AsyncRetryHandler):
    """Counts every failed attempt for /metrics and retries nothing itself.

    The client shows each answer and each lost connection to its handlers in turn; this one
    goes first, so it sees them all, including the ones a later handler retries.
    """

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        """Count a 429, a 5xx, an error answer or a lost connection; never ask for a retry."""
        method = api_method(request)
        if error is not None:
            SLACK_API_ERRORS.labels(method=method, error=type(error).__name__).inc()
        elif response is not None and response.status_code == 429:
            SLACK_RATE_LIMITED.labels(method=method).inc()
        elif response is not None and response.status_code >= 500:
            SLACK_API_ERRORS.labels(method=method, error=f"http_{response.status_code}").inc()
        elif response is not None and isinstance(response.body, dict):
            if response.body.get("ok") is False:
                error_code = str(response.body.get("error", "unknown"))
                SLACK_API_ERRORS.labels(method=method, error=error_code).inc()
        return False


class ServerErrorRetryHandler(AsyncRetryHandler):
    """Retries a 5xx answer with exponential back-off and jitter, unless the call creates."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or not 500 <= response.status_code < 600:
            return False
        return not creates_something(request)


class ConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """Retries lost connections; a creating call only if it never reached Slack."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if creates_something(request):
            return isinstance(error, aiohttp.ClientConnectorError)
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


def build_client(
    *, token: str | None, base_url: str, backoff_factor: float = BACKOFF_FACTOR
) -> AsyncWebClient:
    """An AsyncWebClient for base_url (Slack's, a proxy's, GovSlack's or a stand-in's).

    Server errors and lost connections wait backoff_factor × 2^attempt seconds (with jitter)
    before the next try.
    """
    backoff = BackoffRetryIntervalCalculator(backoff_factor=backoff_factor)
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            CountingHandler(),
            ConnectionErrorRetryHandler(
                max_retry_count=CONNECTION_ERROR_RETRIES, interval_calculator=backoff
            ),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(
                max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=backoff
            ),
        ],
    )
