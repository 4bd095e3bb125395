"""`leadloop serve --workers N`: real processes on a loopback port, signed quick forms, the
Slack stand-in. Both workers serve, SIGTERM stops them all, a killed worker is replaced, and
a worker killed in the middle of a burst loses no feedback whose answer said "Recorded"."""

import asyncio
import os
import re
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import select

from bot.cli import main
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from storage.models import Feedback, Lead
from tests.factories import BOT_TOKEN, SIGNING_SECRET, TEAM, command_form, sign

# Starting Python, the app and uvicorn in a busy test run can take a while.
UP_SECONDS = 60
SERVING = re.compile(r"serving Slack requests at (http://\S+)/slack/events with (\d+) workers")
WORKER_SERVING = re.compile(r"worker (\d+) \(pid (\d+)\) is serving")
ACCESS = re.compile(r"\[worker (\d+) pid (\d+)\] leadloop\.access: POST /slack/events 200 ")


@dataclass
class Serve:
    """A running `leadloop serve` and what it has written to stderr so far."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    heard: asyncio.Event = field(default_factory=asyncio.Event)
    base_url: str = ""

    async def read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode().rstrip("\n"))
            self.heard.set()
        self.heard.set()

    async def line(self, pattern: re.Pattern[str], *, after: int = 0) -> re.Match[str]:
        """The first line from index `after` on that matches, waiting for it if need be."""
        async with asyncio.timeout(UP_SECONDS):
            while True:
                for line in self.lines[after:]:
                    if found := pattern.search(line):
                        return found
                if self.process.returncode is not None and self.process.stderr.at_eof():  # type: ignore[union-attr]
                    raise AssertionError("serve ended:\n" + "\n".join(self.lines))
                self.heard.clear()
                await self.heard.wait()

    async def workers(self, count: int, *, after: int = 0) -> dict[int, int]:
        """Worker number → pid, once `count` workers said they serve (from line `after`)."""
        found: dict[int, int] = {}
        async with asyncio.timeout(UP_SECONDS):
            while len(found) < count:
                for line in self.lines[after:]:
                    if m := WORKER_SERVING.search(line):
                        found[int(m.group(1))] = int(m.group(2))
                if len(found) < count:
                    self.heard.clear()
                    await self.heard.wait()
        return found

    def served_by(self) -> set[tuple[int, int]]:
        """(worker, pid) of every worker that answered a Slack request with 200."""
        return {
            (int(m.group(1)), int(m.group(2))) for line in self.lines if (m := ACCESS.search(line))
        }


def _env(deps: Deps, standin: SlackStandIn, **extra: str) -> dict[str, str]:
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=deps.settings.database_url,
        LEADLOOP_TEAM_ID=TEAM,
        LEADLOOP_LOG_LEVEL="INFO",
        LEADLOOP_METRICS="1",
    )
    return env | extra


@asynccontextmanager
async def serving(
    deps: Deps, standin: SlackStandIn, *args: str, **env: str
) -> AsyncIterator[Serve]:
    """`leadloop serve --port 0 …args` in its own process, until the block ends (then
    SIGTERM, and SIGKILL for whatever is left)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--no-scheduler",
        "--port",
        "0",
        *args,
        env=_env(deps, standin, **env),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    serve = Serve(process)
    reader = asyncio.create_task(serve.read())
    pids: dict[int, int] = {}
    try:
        serve.base_url = (await serve.line(SERVING)).group(1)
        pids = await serve.workers(int((await serve.line(SERVING)).group(2)))
        yield serve
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(UP_SECONDS):
                    await process.wait()
            except TimeoutError:
                process.kill()
                for pid in pids.values():
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                await process.wait()
        await reader


def _emails(count: int) -> list[str]:
    """Addresses of new leads, none close to another (so none is asked about as a slip)."""
    return [f"{uuid.uuid4().hex}@{uuid.uuid4().hex[:10]}.example" for _ in range(count)]


def _quick_form(email: str) -> tuple[str, dict[str, str]]:
    body = urlencode(command_form(f"{email} hot"))
    return body, sign(body)


async def _burst(
    base_url: str, emails: list[str], *, concurrency: int, on_answer: asyncio.Event | None = None
) -> list[str]:
    """Send a quick form for each email, `concurrency` at a time; the emails whose answer
    said "Recorded". Requests cut off by a dying worker are not confirmed."""
    confirmed: list[str] = []
    queue = list(reversed(emails))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def sender() -> None:
            while queue:
                email = queue.pop()
                body, headers = _quick_form(email)
                try:
                    response = await client.post("/slack/events", content=body, headers=headers)
                except httpx.TransportError:
                    continue
                if response.status_code == 200 and "Recorded" in response.text:
                    confirmed.append(email)
                if on_answer is not None:
                    on_answer.set()

        await asyncio.gather(*(sender() for _ in range(concurrency)))
    return confirmed


async def _recorded_emails(deps: Deps) -> set[str]:
    async with deps.sessions() as session:
        rows = await session.exec(
            select(Lead.email).join(Feedback, Feedback.lead_id == Lead.id)  # type: ignore[arg-type]
        )
        return {email for email in rows.all() if email is not None}


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if series.startswith(name + "{"):
            got = ",".join(sorted(series[len(name) + 1 : -1].split(",")))
            if got == wanted:
                return float(value)
    return 0.0


async def test_two_workers_answer_quick_forms_add_up_their_metrics_and_stop_on_sigterm(
    deps: Deps, standin: SlackStandIn
) -> None:
    async with serving(deps, standin, "--workers", "2") as serve:
        pids = await serve.workers(2)
        emails = _emails(60)
        confirmed = await _burst(serve.base_url, emails, concurrency=30)
        async with httpx.AsyncClient(base_url=serve.base_url) as client:
            metrics = (await client.get("/metrics")).text
        serve.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(UP_SECONDS):
            assert await serve.process.wait() == 0

    assert sorted(confirmed) == sorted(emails)
    assert await _recorded_emails(deps) == set(emails)
    assert serve.served_by() == {(0, pids[0]), (1, pids[1])}
    # Both workers' requests, in one scrape answered by one of them.
    answered = _metric(
        metrics,
        "leadloop_http_requests_total",
        route="/slack/events",
        method="POST",
        status="200",
    )
    assert answered == len(emails)
    # SIGTERM: every worker finished and stopped, and so did the supervisor.
    assert "all workers stopped" in serve.lines[-1]
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not [line for line in serve.lines if "Traceback" in line or " ERROR " in line]


async def test_a_killed_worker_is_replaced_and_serving_goes_on(
    deps: Deps, standin: SlackStandIn
) -> None:
    async with serving(deps, standin, "--workers", "2") as serve:
        before = await serve.workers(2)
        seen = len(serve.lines)
        os.kill(before[1], signal.SIGKILL)
        await serve.line(
            re.compile(rf"worker 1 \(pid {before[1]}\) was killed by SIGKILL; a new one starts"),
            after=seen,
        )
        after = await serve.workers(1, after=seen)
        emails = _emails(20)
        confirmed = await _burst(serve.base_url, emails, concurrency=10)
    assert after[1] != before[1]
    assert sorted(confirmed) == sorted(emails)


async def test_a_worker_killed_in_a_burst_loses_no_confirmed_feedback(
    deps: Deps, standin: SlackStandIn
) -> None:
    async with serving(deps, standin, "--workers", "2") as serve:
        pids = await serve.workers(2)
        emails = _emails(300)
        answered = asyncio.Event()
        burst = asyncio.create_task(
            _burst(serve.base_url, emails, concurrency=50, on_answer=answered)
        )
        await answered.wait()  # the burst is under way
        os.kill(pids[1], signal.SIGKILL)
        confirmed = await burst

    recorded = await _recorded_emails(deps)
    assert set(confirmed) <= recorded, sorted(set(confirmed) - recorded)
    # The other worker, and the replacement, kept answering.
    assert len(confirmed) > len(emails) // 2


def test_socket_mode_with_workers_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0-0123456789")
    assert main(["serve", "--socket", "--workers", "2"]) == 2
    assert capsys.readouterr().err == (
        "leadloop: --socket keeps one connection to Slack, served by one process: "
        "leave out --workers (or use --workers 1).\n"
    )


async def test_a_worker_that_cannot_start_stops_serve_with_its_one_line(
    deps: Deps, standin: SlackStandIn
) -> None:
    env = _env(
        deps,
        standin,
        LEADLOOP_FEEDBACK_WEBHOOK_URL="https://crm.example.com/hook",
        LEADLOOP_LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--workers",
        "2",
        "--port",
        "0",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(UP_SECONDS):
        out, err = await process.communicate()
    assert (process.returncode, out) == (2, b"")
    [line] = err.decode().splitlines()
    assert line.startswith("leadloop: ") and "LEADLOOP_WEBHOOK_SECRET" in line


async def test_a_port_another_server_listens_on_is_refused_in_one_line(
    deps: Deps,
    standin: SlackStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in _env(deps, standin, LEADLOOP_LOG_LEVEL="WARNING").items():
        monkeypatch.setenv(name, value)
    with socket.socket() as other_server:
        other_server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # even so
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        argv = ["serve", "--workers", "2", "--port", str(port)]
        assert await asyncio.to_thread(main, argv, clock=deps.clock) == 2
    assert capsys.readouterr().err == (
        f"leadloop: cannot listen on 127.0.0.1:{port} (Address already in use): "
        "choose another --port or --host.\n"
    )


async def _exited(pid: int) -> None:
    """Wait until the process (not necessarily a child of ours) has exited."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop, done = asyncio.get_running_loop(), asyncio.Event()
    loop.add_reader(fd, done.set)  # a pidfd is readable once its process has exited
    try:
        await done.wait()
    finally:
        loop.remove_reader(fd)
        os.close(fd)


async def test_workers_stop_when_the_supervisor_is_killed(
    deps: Deps, standin: SlackStandIn
) -> None:
    async with serving(deps, standin, "--workers", "2") as serve:
        pids = await serve.workers(2)
        serve.process.kill()
        await serve.process.wait()
        async with asyncio.timeout(UP_SECONDS):
            await asyncio.gather(*(_exited(pid) for pid in pids.values()))
