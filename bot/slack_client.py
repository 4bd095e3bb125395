"""The one Slack Web API client, with retries for rate limits, server errors and lost connections.

slack-sdk retries only connection errors by default; a 429 or a 5xx would otherwise reach
the user as a failure. The rate-limit handler waits for Slack's Retry-After before trying
again.
"""

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

RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 3
CONNECTION_ERROR_RETRIES = 2
BACKOFF_FACTOR = 0.5


class ServerErrorRetryHandler(AsyncRetryHandler):
    """Retries any 5xx answer with exponential back-off and jitter."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


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
            AsyncConnectionErrorRetryHandler(
                max_retry_count=CONNECTION_ERROR_RETRIES, interval_calculator=backoff
            ),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(
                max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=backoff
            ),
        ],
    )
