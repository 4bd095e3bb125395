"""Tokens, secrets and signatures never reach a log line."""

import io
import logging
import sys

import pytest

from bot.logging import RedactingFilter, configure_logging


def test_filter_masks_tokens_signatures_bearers_and_known_secrets() -> None:
    redacting = RedactingFilter(["my-signing-secret"])
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "token %s sig %s auth %s secret %s",
        ("xoxb-123-456-abc", "v0=" + "a" * 64, "Bearer abc.def", "my-signing-secret"),
        None,
    )
    redacting.filter(record)
    line = record.getMessage()
    assert "xoxb-123" not in line and "aaaa" not in line and "abc.def" not in line
    assert "my-signing-secret" not in line
    assert line == "token xoxb-*** sig v0=*** auth Bearer *** secret ***"


def test_rotating_and_refresh_tokens_are_masked() -> None:
    redacting = RedactingFilter()
    line = redacting.redact("bot xoxe.xoxb-1-abc refresh xoxe-1-def")
    assert "abc" not in line and "def" not in line


def test_exception_text_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("redaction-test")
    logger.addFilter(RedactingFilter())
    try:
        raise RuntimeError("call failed with xapp-1-A0-secret")
    except RuntimeError:
        logger.exception("boom")
    assert "xapp-1-A0-secret" not in caplog.text


def test_log_lines_follow_stderr_after_the_stream_they_started_on_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CLI sets logging up once; whoever swaps stderr later (pytest's capture, a daemon
    manager) must not leave the handler writing into a closed file."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging("INFO")
    first.close()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("after-close").info("still heard")
    assert "still heard" in second.getvalue()
    assert "Logging error" not in second.getvalue()
