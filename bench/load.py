"""Servers on loopback and load on them: signed Slack requests, each body sent once.

The server refuses a signature it has already seen (bot.request_guard: a replay is answered
with an empty 200 and nothing else), so a load generator that cycles through a fixed set of
signed bodies measures replays once it has gone round. Every request here is a new body (a
running number in its trigger_id), signed ahead of the run: wrk reads them from one file per
thread, and the file is sized from the rate of the warm-up, so it does not run out (when it
does, the run is measured again with more). httpx, the fallback when wrk is not installed,
signs each body as it sends it.
"""

import asyncio
import itertools
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.demo.slack_standin import SlackStandIn
from tests.factories import sign

# The form body of the n-th request of a kind (n counts every request of the bench process).
MakeBody = Callable[[int], str]
WARM_UP_BODIES = 6_000  # per wrk thread: more than any server here answers in a second
REPLAY = "replay of a signed request already handled"  # bot.request_guard's log line
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerFailed(RuntimeError):
    """A server process ended before it answered."""


class Bodies:
    """Unique form bodies of one kind, numbered across every run of the process."""

    def __init__(self, make: MakeBody, numbers: "itertools.count[int]") -> None:
        self._make = make
        self._numbers = numbers

    def take(self, count: int) -> list[str]:
        """The next `count` bodies, never handed out before."""
        return [self._make(next(self._numbers)) for _ in range(count)]


@dataclass
class Server:
    """A server process on loopback; its output goes to `log`."""

    name: str
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the process and every process under it, so far."""
        return process_tree_cpu(self.process.pid)

    def processes(self) -> int:
        """How many processes serve: this one and those under it."""
        return len(_tree(self.process.pid))

    def refused_replays(self) -> int:
        """Requests the server refused as replays, from its log."""
        return self.log.read_text(errors="replace").count(REPLAY)


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> Server:
    """Start `python ARGS…` in its own process group, "PORT" in args replaced by a free one."""
    port = free_port()
    log = log_dir / f"{name}-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, *(str(port) if arg == "PORT" else arg for arg in args)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, process, f"http://127.0.0.1:{port}", log)


async def wait_until_up(server: Server, timeout: float = 120) -> None:
    """Until /healthz answers; ServerFailed with the end of its log if the process ends."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                tail = server.log.read_text(errors="replace").strip().splitlines()[-5:]
                raise ServerFailed(f"{server.name} exited: {' / '.join(tail)}")
            try:
                if (await client.get(f"{server.base}/healthz")).status_code in (200, 503):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise ServerFailed(f"{server.name} did not answer within {timeout:.0f} s")


def stop(server: Server) -> None:
    """SIGTERM to the server's process group (its workers too), SIGKILL after 15 s."""
    if server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(5)


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after it.
    return raw[raw.rindex(")") + 2 :].split()


def _tree(root: int) -> list[int]:
    """root and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def process_tree_cpu(root: int) -> float:
    """Seconds of CPU of root and its live descendants, plus the children it has reaped."""
    total = 0
    for pid in _tree(root):
        fields = _stat(pid)
        if fields is None:
            continue
        # Fields 14 and 15 of /proc/PID/stat (utime, stime; 12 and 13 after the name);
        # cutime and cstime (16, 17) count reaped children, which only the root has here.
        total += int(fields[11]) + int(fields[12])
        if pid == root:
            total += int(fields[13]) + int(fields[14])
    return total / CLOCK_TICKS


_WRK_SCRIPT = """
threads = {}
local number = 0
function setup(thread)
  number = number + 1
  thread:set("id", number)
  table.insert(threads, thread)
end
function init(args)
  file = assert(io.open("%(prefix)s" .. id .. ".txt", "r"))
  short = 0
end
function request()
  local line = file:read("*l")
  if line == nil then
    -- Out of bodies: an unsigned health check rather than a replay; the run is redone.
    short = short + 1
    return wrk.format("GET", "/healthz")
  end
  local space = line:find(" ", 1, true)
  return wrk.format("POST", "/slack/events", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Slack-Request-Timestamp"] = "%(timestamp)s",
    ["X-Slack-Signature"] = line:sub(1, space - 1),
  }, line:sub(space + 1))
end
function done(summary, latency, requests)
  local out = 0
  for _, thread in ipairs(threads) do out = out + thread:get("short") end
  local e = summary.errors
  io.write(string.format(
    '{"p50": %%.3f, "p95": %%.3f, "p99": %%.3f, "requests": %%d, "errors": %%d, "short": %%d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, out))
end
"""


def _wrk_once(
    base: str, bodies: Bodies, concurrency: int, seconds: int, tmp: Path, per_thread: int
) -> dict:
    threads = min(concurrency, 2)
    timestamp = int(time.time())  # one for every body: Slack allows five minutes
    prefix = tmp / f"bodies-{timestamp}-"
    for thread in range(1, threads + 1):
        with open(f"{prefix}{thread}.txt", "w") as file:
            for body in bodies.take(per_thread):
                signature = sign(body, timestamp=timestamp)["X-Slack-Signature"]
                file.write(f"{signature} {body}\n")
    script = tmp / "requests.lua"
    script.write_text(_WRK_SCRIPT % {"prefix": prefix, "timestamp": timestamp})
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "-s", str(script)]
    try:
        output = subprocess.run(
            [*command, "--timeout", "10s", base], capture_output=True, text=True, check=True
        ).stdout
    finally:
        for thread in range(1, threads + 1):
            Path(f"{prefix}{thread}.txt").unlink(missing_ok=True)
    return dict(json.loads(output.strip().splitlines()[-1]))


def wrk_run(
    base: str,
    bodies: Bodies,
    concurrency: int,
    seconds: int,
    tmp: Path,
    *,
    rate: float | None = None,
) -> dict:
    """Closed-loop load from wrk; percentiles in ms. `rate` (requests a second, from a
    warm-up) sizes the bodies; without it, enough for a one-second warm-up."""
    threads = min(concurrency, 2)
    if rate is None:
        per_thread = WARM_UP_BODIES
    else:
        per_thread = int(rate * seconds * 1.5 / threads) + 500
    for _ in range(3):
        figures = _wrk_once(base, bodies, concurrency, seconds, tmp, per_thread)
        if figures["short"] == 0 or rate is None:
            break
        per_thread *= 3
    figures["answered"] = figures["requests"] - figures["short"]
    return figures


async def httpx_run(base: str, bodies: Bodies, concurrency: int, seconds: int) -> dict:
    """The same from httpx in this process (when wrk is not installed), signing as it goes."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                [body] = bodies.take(1)
                headers = sign(body)
                started = time.perf_counter()
                response = await client.post("/slack/events", content=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code >= 400

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 3),
        "p95": round(cuts[94], 3),
        "p99": round(cuts[98], 3),
        "requests": len(latencies),
        "answered": len(latencies),
        "errors": errors,
        "short": 0,
    }


def wrk_version() -> str | None:
    """wrk's version line, None when it is not installed."""
    try:
        output = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    except OSError:
        return None
    found = re.search(r"wrk (\S+)", output)
    return found.group(1) if found else "unknown"


async def drained(standin: SlackStandIn, limit_s: float) -> float:
    """Wait until the servers' work after the ack is done; the seconds that took.

    A click is acknowledged before its work (a transaction, then a chat.update or a
    response_url post) runs, so a cell can end with a queue of that work still to do. Left
    alone, it would run during the next cell and be counted against it. Done means the
    stand-in has heard nothing new for half a second.
    """
    started = time.perf_counter()
    heard = -1
    while time.perf_counter() - started < limit_s:
        now_heard = len(standin.calls) + len(standin.responses)
        if now_heard == heard:
            break
        heard = now_heard
        await asyncio.sleep(0.5)
    return round(time.perf_counter() - started - 0.5, 1)
