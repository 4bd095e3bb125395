"""One aiohttp session for every call the app makes to a URL Slack hands it (response_urls).

A session per call, as slack-sdk's webhook client opens by default, pays a new connection
pool (and a TLS handshake to hooks.slack.com) each time; one session keeps the connection.
"""

import aiohttp


class HttpSession:
    """An aiohttp session opened on first use, inside the running event loop, and closed once."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        """The shared session, opened now if it is not open."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._session

    async def close(self) -> None:
        """Close the session if one was opened; a later get() opens a new one."""
        if self._session is not None:
            await self._session.close()
            self._session = None
