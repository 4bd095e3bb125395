"""`leadloop serve --workers N`: N worker processes serving one port.

The supervisor (the process `leadloop serve` started as) runs the one-time start-up (the
database check, default channels, the workspace, the routing pool) before any worker exists,
then opens one listening socket per worker on the port (`Listeners`). Each worker is
`leadloop serve` again (`python -m bot serve --worker …`): it is handed its socket and what
start-up learnt, builds the app and runs uvicorn on that socket.

A worker talks to the supervisor over a socket pair: it sends one byte once it serves, and
it stops gracefully (as on SIGTERM) when the supervisor closes its end, which also happens
when the supervisor dies, so no worker outlives it. Workers run in sessions of their own:
a terminal's Ctrl-C reaches the supervisor alone, which tells each worker to stop and waits
for it; a second SIGINT or SIGTERM tells them to hurry (uvicorn stops without waiting for
open connections).

A worker that dies while serving is replaced after a back-off (0.5 s, doubling up to 30 s,
back to 0.5 s once one has served for a minute). Start-up fails once, not N times: worker 0
starts alone first; if it cannot start (its one line is on the terminal), neither do the
others and the supervisor exits with its status. A replacement that fails to start five
times in a row stops the whole server.
"""

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import uvicorn
from starlette.types import ASGIApp

logger = logging.getLogger("leadloop.workers")

READY = b"r"
# uvicorn's default; connections wait here while every worker is busy.
BACKLOG = 2048
FIRST_BACK_OFF_SECONDS = 0.5
MAX_BACK_OFF_SECONDS = 30.0
# A worker that served this long before it died starts the back-off afresh.
STEADY_SECONDS = 60.0
# A replacement that fails to start this many times in a row stops the server.
MAX_START_FAILURES = 5
# The exit status of a start-up refused with one line (bot.cli prints it).
REFUSED = 2


def default_worker_count() -> int:
    """The CPUs this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class WorkerStart:
    """What a worker is handed: its number, its file descriptors, what start-up learnt."""

    index: int
    listen_fd: int
    channel_fd: int
    scheduler: bool
    team_id: str | None
    shared_channel: str | None
    digest_channels: tuple[str, ...]

    def to_arg(self) -> str:
        """As one command-line argument."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_arg(cls, text: str) -> "WorkerStart":
        """From the argument `to_arg` wrote."""
        values = json.loads(text)
        values["digest_channels"] = tuple(values["digest_channels"])
        return cls(**values)


class Listeners:
    """One listening socket per worker, all on the same port (SO_REUSEPORT).

    The kernel spreads new connections over the sockets evenly (by a hash of the addresses).
    One socket shared by every worker would not: a worker that wakes up first accepts all
    the connections waiting, so a burst, and every keep-alive connection of it after, ends
    up on one worker (measured: 60 quick forms over 30 connections, all on worker 0).

    The supervisor keeps every socket open: connections that reach a dead worker's socket
    wait in its queue for the replacement. A worker that keeps dying has its socket closed
    while it waits to be started again, so that new connections go to the others.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._checked = False

    def open(self) -> socket.socket:
        """A new socket listening on the port (on a free one, the first time, for port 0);
        OSError if the port is taken."""
        if not self._checked:
            # Bound alone first: a port another server listens on (even another leadloop's
            # workers, with SO_REUSEPORT too) is refused, not shared.
            with self._socket(reuse_port=False) as alone:
                self.port = alone.getsockname()[1]
            self._checked = True
        sock = self._socket(reuse_port=True)
        try:
            sock.listen(BACKLOG)
        except OSError:
            sock.close()
            raise
        return sock

    def _socket(self, *, reuse_port: bool) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        return sock


# --- the worker ----------------------------------------------------------------------------


class _WorkerServer(uvicorn.Server):
    """uvicorn on the supervisor's socket, telling the supervisor once it serves and
    stopping when the supervisor's end of the channel closes."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self._channel = channel

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start serving, then say so."""
        await super().startup(sockets=sockets)
        if not self.started:
            return
        loop = asyncio.get_running_loop()
        await loop.sock_sendall(self._channel, READY)
        loop.add_reader(self._channel.fileno(), self._supervisor_spoke)

    def _supervisor_spoke(self) -> None:
        try:
            heard = self._channel.recv(16)
        except BlockingIOError:
            return
        except OSError:
            heard = b""
        if not heard:  # closed: stop (the supervisor asks, or is gone)
            asyncio.get_running_loop().remove_reader(self._channel.fileno())
            self.should_exit = True


async def serve_worker(web_app: ASGIApp, start: WorkerStart) -> None:
    """Serve web_app with uvicorn on the inherited socket until the supervisor says stop."""
    listener = socket.socket(fileno=start.listen_fd)
    channel = socket.socket(fileno=start.channel_fd)
    channel.setblocking(False)
    config = uvicorn.Config(web_app, log_config=None, access_log=False)
    try:
        await _WorkerServer(config, channel).serve(sockets=[listener])
    finally:
        channel.close()
        listener.close()


# --- the supervisor ------------------------------------------------------------------------


@dataclass
class _Slot:
    index: int
    listener: socket.socket | None = None
    process: asyncio.subprocess.Process | None = None
    channel: socket.socket | None = None
    ready: bool = False
    ever_ready: bool = False
    failures: int = 0
    started_at: float = field(default=0.0)


def _how(status: int) -> str:
    if status < 0:
        return f"was killed by {signal.Signals(-status).name}"
    return f"exited with status {status}"


class Supervisor:
    """Keeps `count` workers serving on the port until SIGTERM or SIGINT."""

    def __init__(
        self,
        listeners: Listeners,
        count: int,
        *,
        start: WorkerStart,
        command: Callable[[WorkerStart], list[str]],
        env: dict[str, str],
    ) -> None:
        self._listeners = listeners
        # Every socket is open before any worker starts: none of them misses a connection.
        self._slots = [_Slot(index, listeners.open()) for index in range(count)]
        self._start_info = start
        self._command = command
        self._env = env
        self._stopping = asyncio.Event()
        self._status = 0
        # Why the workers could not start, in one line for the terminal (None if they did).
        self.failure: str | None = None

    async def run(self) -> int:
        """Start the workers, keep them serving, stop them on a signal; the exit status."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        try:
            first, others = self._slots[0], self._slots[1:]
            # Worker 0 alone first: a start-up that fails says so once.
            status = await self._start(first)
            if status is not None:
                if not self._stopping.is_set():  # not stopped by a signal meanwhile
                    self._give_up(first, status)
                return self._status
            await asyncio.gather(
                self._keep(first, running=True), *(self._keep(slot) for slot in others)
            )
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            for slot in self._slots:
                self._close_channel(slot)
                if slot.listener is not None:
                    slot.listener.close()
        logger.info("all workers stopped")
        return self._status

    def stop(self) -> None:
        """Ask every worker to finish what it serves and stop; asked again, to hurry."""
        if self._stopping.is_set():
            logger.info("stopping the workers without waiting for open connections")
            for slot in self._slots:
                self._signal(slot, signal.SIGINT)
            return
        self._stopping.set()
        logger.info("stopping %s workers", len(self._slots))
        for slot in self._slots:
            self._close_channel(slot)
            if not slot.ready:
                self._signal(slot, signal.SIGTERM)

    async def _keep(self, slot: _Slot, *, running: bool = False) -> None:
        """Keep one worker serving: start it, wait for it, replace it when it dies."""
        while not self._stopping.is_set():
            if not running:
                status = await self._start(slot)
                if status is not None:
                    if self._stopping.is_set():
                        return
                    slot.failures += 1
                    if slot.failures >= MAX_START_FAILURES:
                        self._give_up(slot, status)
                        return
                    if await self._backed_off(slot, f"could not start ({_how(status)})"):
                        return
                    continue
            running = False
            assert slot.process is not None
            status = await slot.process.wait()
            slot.ready = False
            self._close_channel(slot)
            if self._stopping.is_set():
                return
            if time.monotonic() - slot.started_at >= STEADY_SECONDS:
                slot.failures = 0
            slot.failures += 1
            if await self._backed_off(slot, _how(status)):
                return

    async def _start(self, slot: _Slot) -> int | None:
        """Start the slot's worker and wait until it serves (None) or exits (its status)."""
        if slot.listener is None:
            slot.listener = self._listeners.open()
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        start = replace(
            self._start_info,
            index=slot.index,
            listen_fd=slot.listener.fileno(),
            channel_fd=theirs.fileno(),
            scheduler=self._start_info.scheduler and slot.index == 0,
        )
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command(start),
                pass_fds=(start.listen_fd, start.channel_fd),
                env=self._env,
                start_new_session=True,
            )
        finally:
            theirs.close()
        slot.process, slot.channel, slot.started_at = process, ours, time.monotonic()
        loop = asyncio.get_running_loop()
        heard = asyncio.ensure_future(loop.sock_recv(ours, 1))
        exited = asyncio.ensure_future(process.wait())
        await asyncio.wait({heard, exited}, return_when=asyncio.FIRST_COMPLETED)
        if heard.done() and not heard.exception() and heard.result() == READY:
            exited.cancel()
            slot.ready = slot.ever_ready = True
            logger.info("worker %s (pid %s) is serving", slot.index, process.pid)
            if self._stopping.is_set():
                self._close_channel(slot)
            return None
        heard.cancel()
        status = await exited
        self._close_channel(slot)
        return status

    async def _backed_off(self, slot: _Slot, what: str) -> bool:
        """Wait before the slot's next worker; whether the server stops meanwhile."""
        delay = min(FIRST_BACK_OFF_SECONDS * 2 ** (slot.failures - 1), MAX_BACK_OFF_SECONDS)
        if slot.failures > 1 and slot.listener is not None:
            # Dying again: its connections go to the others until it serves again.
            slot.listener.close()
            slot.listener = None
        pid = slot.process.pid if slot.process is not None else "?"
        logger.warning(
            "worker %s (pid %s) %s; a new one starts in %.1f s", slot.index, pid, what, delay
        )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._stopping.wait()
        return self._stopping.is_set()

    def _give_up(self, slot: _Slot, status: int) -> None:
        """A worker cannot start: stop the others, and exit with its status."""
        if status == REFUSED:
            # It printed why, in one line; nothing to add.
            self._status = REFUSED
        else:
            self._status = 1
            tries = f" {slot.failures} times in a row" if slot.ever_ready else ""
            self.failure = (
                f"worker {slot.index} could not start{tries} ({_how(status)}): "
                "see the log above; leadloop stops."
            )
        self.stop()

    @staticmethod
    def _signal(slot: _Slot, sig: signal.Signals) -> None:
        if slot.process is not None and slot.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                slot.process.send_signal(sig)

    @staticmethod
    def _close_channel(slot: _Slot) -> None:
        if slot.channel is not None:
            slot.channel.close()
            slot.channel = None


def worker_command(start: WorkerStart) -> list[str]:
    """The command line of one worker: this `leadloop`, as a worker."""
    return [sys.executable, "-m", "bot", "serve", "--worker", start.to_arg()]
