"""The tables of BENCHMARKS.md's issue-19 section, from a run's results (pure functions).

`render(results)` is the Markdown that goes between the markers; `splice(document, block)`
puts it there, leaving the rest of the document as it was.
"""

from collections.abc import Callable
from typing import Any

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
TARGETS = ("leadloop", "floor_a", "floor_b")

Figure = tuple[str, bool | None]  # the cell's text, and whether the target is met


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _x(ratio: float) -> str:
    return f"{ratio:.2f}×"


def _cell(database: dict[str, Any], concurrency: int, target: str) -> dict[str, Any] | None:
    found = database.get("ack", {}).get(str(concurrency), {}).get(target)
    return found if found and found.get("answered") else None


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


# --- the rows of the summary: each a function of one database's results --------------------


def _p50_c1(database: dict[str, Any]) -> Figure | None:
    ours = _cell(database, 1, "leadloop")
    return (f"{_ms(ours['p50'])} ms", ours["p50"] <= 3) if ours else None


def _p50_c1_floor_a(database: dict[str, Any]) -> Figure | None:
    ours, floor = _cell(database, 1, "leadloop"), _cell(database, 1, "floor_a")
    if not ours or not floor:
        return None
    ratio = ours["p50"] / floor["p50"]
    return f"{_x(ratio)} (floor A {_ms(floor['p50'])} ms)", ratio <= 6


def _p50_c10_floor_b(database: dict[str, Any]) -> Figure | None:
    ours, floor = _cell(database, 10, "leadloop"), _cell(database, 10, "floor_b")
    if not ours or not floor:
        return None
    ratio = ours["p50"] / floor["p50"]
    return f"{_x(ratio)} ({_ms(ours['p50'])} / {_ms(floor['p50'])} ms)", ratio <= 1.0


def _p99(concurrency: int, limit: float) -> Callable[[dict[str, Any]], Figure | None]:
    def figure(database: dict[str, Any]) -> Figure | None:
        ours, floor = (
            _cell(database, concurrency, "leadloop"),
            _cell(database, concurrency, "floor_b"),
        )
        if not ours:
            return None
        text = f"{_ms(ours['p99'])} ms"
        if floor:
            text += f" ({_x(ours['p99'] / floor['p99'])} floor B's {_ms(floor['p99'])} ms)"
        return text, ours["p99"] < limit

    return figure


def _cpu(database: dict[str, Any]) -> Figure | None:
    ours, floor = _cell(database, 10, "leadloop"), _cell(database, 10, "floor_a")
    if not ours or ours.get("cpu_ms") is None:
        return None
    text = f"{_ms(ours['cpu_ms'])} ms"
    if floor and floor.get("cpu_ms"):
        text += f" ({_x(ours['cpu_ms'] / floor['cpu_ms'])} floor A's {_ms(floor['cpu_ms'])} ms)"
    return text, ours["cpu_ms"] <= 1.2


def _workers(database: dict[str, Any]) -> Figure | None:
    workers = database.get("workers")
    if not workers:
        return None
    if "skipped" in workers:
        return "not measured (see Workers)", None
    one, two = workers["1"]["rps"], workers["2"]["rps"]
    ratio = two / one
    return f"{_x(ratio)} ({two:,.0f} / {one:,.0f} a second)", ratio >= 1.7


def _digest(database: dict[str, Any]) -> Figure | None:
    digest = database.get("digest")
    if not digest:
        return None
    ratio = digest["digest_ms"] / digest["floor_ms"]
    return f"{_x(ratio)} ({_ms(digest['digest_ms'])} / {_ms(digest['floor_ms'])} ms)", ratio <= 3


SUMMARY: tuple[tuple[str, str, Callable[[dict[str, Any]], Figure | None]], ...] = (
    ("quick form p50, c=1", "≤ 3 ms", _p50_c1),
    ("quick form p50 over floor A's, c=1", "≤ 6×", _p50_c1_floor_a),
    ("quick form p50 over floor B's, c=10", "≤ 1.0×", _p50_c10_floor_b),
    ("quick form p99, c=10", "< 50 ms", _p99(10, 50)),
    ("quick form p99, c=50", "< 100 ms", _p99(50, 100)),
    ("CPU per quick form, c=10", "≤ 1.2 ms", _cpu),
    ("quick forms a second, 2 workers over 1, c=50", "≥ 1.7×", _workers),
    ("digest over one GROUP BY of its week", "≤ 3×", _digest),
)


def _met(verdicts: dict[str, bool | None]) -> str:
    known = {name: met for name, met in verdicts.items() if met is not None}
    if not known:
        return "—"
    if len(set(known.values())) == 1:
        return "yes" if next(iter(known.values())) else "no"
    return ", ".join(
        f"{NAMES.get(name, name)} {'yes' if met else 'no'}" for name, met in known.items()
    )


def _summary(databases: dict[str, Any]) -> list[str]:
    names = [NAMES.get(name, name) for name in databases]
    lines = [
        f"| figure | target | {' | '.join(names)} | met? |",
        "|---|---|" + "---|" * len(names) + "---|",
    ]
    for label, target, figure in SUMMARY:
        cells, verdicts = [], {}
        for name, database in databases.items():
            found = figure(database)
            cells.append(found[0] if found else "—")
            verdicts[name] = found[1] if found else None
        if any(cell != "—" for cell in cells):
            lines.append(f"| {label} | {target} | {' | '.join(cells)} | {_met(verdicts)} |")
    return lines


def _three(cell: dict[str, Any] | None) -> str:
    return f"{_ms(cell['p50'])} / {_ms(cell['p95'])} / {_ms(cell['p99'])}" if cell else "—"


def _ack_table(databases: dict[str, Any]) -> list[str]:
    lines = [
        "| database | c | leadloop p50 / p95 / p99 ms | floor A p50 / p95 / p99 ms "
        "| floor B p50 / p95 / p99 ms | p50 over A | p50 over B | a second: leadloop / A / B "
        "| errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, database in databases.items():
        for concurrency in database.get("ack", {}):
            if not concurrency.isdigit():
                continue
            cells = {target: _cell(database, int(concurrency), target) for target in TARGETS}
            ours = cells["leadloop"]
            ratios = [
                _ratio(ours and ours["p50"], floor and floor["p50"])
                for floor in (cells["floor_a"], cells["floor_b"])
            ]
            rates = " / ".join(f"{cell['rps']:,.0f}" if cell else "—" for cell in cells.values())
            errors = sum(cell.get("errors", 0) for cell in cells.values() if cell)
            lines.append(
                f"| {NAMES.get(name, name)} | {concurrency} | {_three(ours)} "
                f"| {_three(cells['floor_a'])} | {_three(cells['floor_b'])} "
                f"| {' | '.join(_x(r) if r is not None else '—' for r in ratios)} "
                f"| {rates} | {errors} |"
            )
    return lines


def _cpu_table(databases: dict[str, Any]) -> list[str]:
    lines = [
        "| database | c | leadloop ms | floor A ms | floor B ms | leadloop over A |",
        "|---|---|---|---|---|---|",
    ]
    for name, database in databases.items():
        for concurrency in database.get("ack", {}):
            if not concurrency.isdigit():
                continue
            cpu = {}
            for target in TARGETS:
                cell = _cell(database, int(concurrency), target)
                cpu[target] = cell.get("cpu_ms") if cell else None
            ratio = _ratio(cpu["leadloop"], cpu["floor_a"])
            shown = " | ".join(_ms(value) if value is not None else "—" for value in cpu.values())
            lines.append(
                f"| {NAMES.get(name, name)} | {concurrency} | {shown} "
                f"| {_x(ratio) if ratio is not None else '—'} |"
            )
    return lines


def _workers_table(databases: dict[str, Any]) -> list[str]:
    lines = [
        "| database | --workers | processes | a second | p50 / p95 / p99 ms | CPU ms a request "
        "| over 1 worker |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, database in databases.items():
        workers = database.get("workers") or {}
        if "skipped" in workers:
            lines.append(
                f"| {NAMES.get(name, name)} | — | — | not measured: {workers['skipped']} | | | |"
            )
            continue
        for count, cell in workers.items():
            ratio = cell["rps"] / workers["1"]["rps"] if "1" in workers else None
            cpu = _ms(cell["cpu_ms"]) if cell.get("cpu_ms") is not None else "—"
            lines.append(
                f"| {NAMES.get(name, name)} | {count} | {cell.get('processes', '—')} "
                f"| {cell['rps']:,.0f} | {_three(cell)} | {cpu} "
                f"| {_x(ratio) if ratio is not None else '—'} |"
            )
    return lines


def _digest_table(databases: dict[str, Any]) -> list[str]:
    lines = [
        "| database | feedback in the week | GROUP BY floor ms | digest ms | digest over floor "
        "| full-scan GROUP BY ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, database in databases.items():
        digest = database.get("digest")
        if digest:
            lines.append(
                f"| {NAMES.get(name, name)} | {digest.get('feedback_in_week', 0):,} "
                f"| {_ms(digest['floor_ms'])} | {_ms(digest['digest_ms'])} "
                f"| {_x(digest['digest_ms'] / digest['floor_ms'])} "
                f"| {_ms(digest['scan_ms']) if 'scan_ms' in digest else '—'} |"
            )
    return lines


def _header(results: dict[str, Any]) -> list[str]:
    versions = results.get("versions", {})
    commit = results.get("commit", "?") + (
        " with uncommitted changes" if results.get("dirty") else ""
    )
    lines = []
    if results.get("quick"):
        lines += [
            "**Smoke run (`--quick`): a small data set and short runs, not the issue's figures.**",
            "",
        ]
    processes = {
        NAMES.get(name, name): database["ack"]["leadloop_processes"]
        for name, database in results["databases"].items()
        if "leadloop_processes" in database.get("ack", {})
    }
    loads = ", ".join(
        f"{database['load_average']:.1f} ({NAMES.get(name, name)})"
        for name, database in results["databases"].items()
        if "load_average" in database
    )
    served = ", ".join(
        f"{count} process{'es' if count > 1 else ''} on {name}" for name, count in processes.items()
    )
    lines.append(
        f"Measured {results['measured_at'][:10]} at commit {commit}: `{results['command']}`; "
        f"{results['leads']:,} leads and {results['feedback']:,} feedback rows; "
        f"{results['seconds']} s per run after a 1 s warm-up, load from {results['generator']}"
        + (f"; leadloop `serve` as shipped ran {served}" if served else "")
        + (f"; load average when each database's run began: {loads}" if loads else "")
        + "."
    )
    if versions:
        lines += [
            "",
            "Versions: " + ", ".join(f"{key} {value}" for key, value in versions.items()) + ".",
        ]
    return lines


def _check(databases: dict[str, Any]) -> list[str]:
    parts = []
    for name, database in databases.items():
        check = database.get("check")
        if not check:
            continue
        answered, stored, in_flight = check["answered"], check["stored"], check.get("in_flight")
        held = in_flight is None or answered <= stored <= answered + in_flight
        verdict = "" if held else " (**not all stored**)"
        parts.append(
            f"{NAMES.get(name, name)} {answered:,} answered and {stored:,} stored{verdict}, "
            f"{check['replays']} refused as replays"
        )
    if not parts:
        return []
    return [
        "",
        "Quick forms to leadloop, warm-ups included, each a new signed body; every answered one "
        "should be stored (and up to c more per run, in flight when it stopped): "
        + "; ".join(parts)
        + ".",
    ]


def render(results: dict[str, Any]) -> str:
    """The Markdown between the markers: the run, the targets, then each figure's table."""
    databases = results["databases"]
    lines = [*_header(results), "", *_summary(databases)]
    if any("ack" in database for database in databases.values()):
        lines += ["", "Quick form ack latency:", "", *_ack_table(databases)]
        lines += ["", "Server CPU (user + system) per request:", "", *_cpu_table(databases)]
    if any("workers" in database for database in databases.values()):
        lines += ["", "Workers, quick forms at c=50:", "", *_workers_table(databases)]
    if any("digest" in database for database in databases.values()):
        lines += ["", "Digest:", "", *_digest_table(databases)]
    lines += _check(databases)
    return "\n".join(lines) + "\n"


def splice(document: str, block: str) -> str:
    """The document with `block` between its markers (appended, in markers, if it has none)."""
    start, end = document.find(START), document.find(END)
    if start == -1 or end == -1 or end < start:
        return f"{document.rstrip()}\n\n{START}\n{block}{END}\n"
    return f"{document[: start + len(START)]}\n{block}{document[end:]}"
