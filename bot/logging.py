"""Logging set-up with a filter that keeps tokens and secrets out of every log line."""

import logging
import re
import sys

# xoxe-: refresh tokens; a rotating bot token (xoxe.xoxb-…) is caught by its xoxb- part.
_TOKEN_RE = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")
_SIGNATURE_RE = re.compile(r"v0=[0-9a-f]{16,}")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)\S+")


class RedactingFilter(logging.Filter):
    """Replaces Slack tokens, request signatures, bearer tokens and known secrets with ***."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self._secrets = [s for s in (secrets or []) if len(s) >= 6]

    def redact(self, text: str) -> str:
        """Return text with every secret-looking part masked."""
        text = _TOKEN_RE.sub(r"\1-***", text)
        text = _SIGNATURE_RE.sub("v0=***", text)
        text = _BEARER_RE.sub(r"\1***", text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the record's message once, redacted, so no argument can leak a secret."""
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.msg, record.args = redacted, None
        return True


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to sys.stderr as it is when a record arrives, not as it was at set-up.

    Whoever swaps stderr later (pytest's capture, a test's redirect) would otherwise leave
    the handler writing into a closed file.
    """

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> object:  # type: ignore[override]
        """The current standard error."""
        return sys.stderr


def configure_logging(
    level: str, secrets: list[str] | None = None, *, tag: str | None = None
) -> None:
    """Log to stderr at level, through the redacting filter; each line tagged with the process
    it comes from (a worker of `serve --workers`) when tag is given."""
    handler = StderrHandler()
    where = f" [{tag}]" if tag else ""
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)s{where} %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic narrates every connection at INFO; `leadloop migrate` prints its own summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)
