"""BENCHMARKS.md's issue-19 tables, rendered from a run's results (nothing measured here)."""

from bench.report import END, START, render, splice


def _cell(p50: float, p95: float, p99: float, rps: float, cpu_ms: float) -> dict:
    return {
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "requests": int(rps * 10),
        "answered": int(rps * 10),
        "errors": 0,
        "rps": rps,
        "cpu_ms": cpu_ms,
        "drain_s": 0.0,
    }


def _results() -> dict:
    sqlite = {
        "seed_s": None,
        "load_average": 2.5,
        "ack": {
            "leadloop_processes": 2,
            "1": {
                "leadloop": _cell(2.5, 3.0, 4.0, 380, 1.1),
                "floor_a": _cell(0.5, 0.6, 0.8, 1900, 0.3),
                "floor_b": _cell(11.0, 11.5, 12.0, 88, 0.9),
            },
            "10": {
                "leadloop": _cell(10.0, 20.0, 40.0, 900, 1.0),
                "floor_a": _cell(4.0, 5.0, 6.0, 2400, 0.25),
                "floor_b": _cell(12.5, 13.0, 16.0, 790, 0.4),
            },
            "50": {
                "leadloop": _cell(55.0, 90.0, 120.0, 910, 1.0),
                "floor_a": _cell(20.0, 25.0, 30.0, 2450, 0.25),
                "floor_b": _cell(30.0, 40.0, 50.0, 1600, 0.4),
            },
        },
        "workers": {
            "1": {**_cell(100.0, 120.0, 130.0, 500, 1.0), "processes": 2},
            "2": {**_cell(55.0, 70.0, 90.0, 900, 1.05), "processes": 3},
        },
        "digest": {"floor_ms": 40.0, "digest_ms": 100.0, "feedback_in_week": 58_269},
        "check": {"answered": 20_000, "in_flight": 122, "stored": 20_050, "replays": 0},
    }
    postgresql = {
        "seed_s": 60.0,
        "ack": {"leadloop_processes": 2, "10": {"leadloop": _cell(14.0, 30.0, 60.0, 700, 1.4)}},
        "workers": {"skipped": "the installed `leadloop serve` does not take --workers"},
        "digest": {"floor_ms": 30.0, "digest_ms": 150.0, "feedback_in_week": 58_269},
        "check": {"answered": 1_000, "in_flight": 20, "stored": 900, "replays": 3},
    }
    return {
        "measured_at": "2026-12-07T12:00:00+00:00",
        "command": "python -m bench",
        "commit": "abc1234",
        "dirty": False,
        "quick": False,
        "leads": 200_000,
        "feedback": 1_000_000,
        "seconds": 10,
        "generator": "wrk",
        "versions": {"Python": "3.11.7", "PostgreSQL": "15.20"},
        "databases": {"sqlite": sqlite, "postgresql": postgresql},
    }


def _row(block: str, label: str) -> list[str]:
    """The cells of the first table row that starts with label."""
    line = next(line for line in block.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_each_target_shows_each_database_figure_its_ratio_to_the_floor_and_whether_met() -> None:
    block = render(_results())

    assert _row(block, "quick form p50, c=1") == [
        "quick form p50, c=1",
        "≤ 3 ms",
        "2.50 ms",
        "—",
        "yes",
    ]
    assert _row(block, "quick form p50 over floor A's, c=1")[2:] == [
        "5.00× (floor A 0.50 ms)",
        "—",
        "yes",
    ]
    assert _row(block, "quick form p50 over floor B's, c=10")[2:] == [
        "0.80× (10.0 / 12.5 ms)",
        "—",
        "yes",
    ]
    # PostgreSQL has a p99 but no floor B beside it: the figure, without a ratio.
    assert _row(block, "quick form p99, c=10")[2:] == [
        "40.0 ms (2.50× floor B's 16.0 ms)",
        "60.0 ms",
        "SQLite yes, PostgreSQL no",
    ]
    assert _row(block, "quick form p99, c=50")[2:] == [
        "120.0 ms (2.40× floor B's 50.0 ms)",
        "—",
        "no",
    ]
    assert _row(block, "CPU per quick form, c=10")[2:] == [
        "1.00 ms (4.00× floor A's 0.25 ms)",
        "1.40 ms",
        "SQLite yes, PostgreSQL no",
    ]
    assert _row(block, "quick forms a second, 2 workers over 1, c=50")[2:] == [
        "1.80× (900 / 500 a second)",
        "not measured (see Workers)",
        "yes",
    ]
    assert _row(block, "digest over one GROUP BY of its week")[2:] == [
        "2.50× (100.0 / 40.0 ms)",
        "5.00× (150.0 / 30.0 ms)",
        "SQLite yes, PostgreSQL no",
    ]


def test_the_detail_tables_and_the_check_that_nothing_was_lost() -> None:
    block = render(_results())

    assert _row(block, "SQLite | 10")[2:] == [
        "10.0 / 20.0 / 40.0",
        "4.00 / 5.00 / 6.00",
        "12.5 / 13.0 / 16.0",
        "2.50×",
        "0.80×",
        "900 / 2,400 / 790",
        "0",
    ]
    assert "| SQLite | 10 | 1.00 | 0.25 | 0.40 | 4.00× |" in block  # CPU ms per request
    assert "| PostgreSQL | — | — | not measured: the installed `leadloop serve` does not" in block
    assert "| SQLite | 2 | 3 | 900 | 55.0 / 70.0 / 90.0 | 1.05 | 1.80× |" in block
    assert "| PostgreSQL | 58,269 | 30.0 | 150.0 | 5.00× | — |" in block
    assert "SQLite 20,000 answered and 20,050 stored, 0 refused as replays" in block
    assert "PostgreSQL 1,000 answered and 900 stored (**not all stored**), 3 refused" in block
    assert (
        "leadloop `serve` as shipped ran 2 processes on SQLite, 2 processes on PostgreSQL" in block
    )
    assert "load average when each database's run began: 2.5 (SQLite)" in block
    assert "Smoke run" not in block


def test_a_quick_run_says_so() -> None:
    results = {**_results(), "quick": True}

    assert render(results).startswith("**Smoke run (`--quick`)")


def test_the_tables_replace_what_is_between_the_markers_and_nothing_else() -> None:
    document = f"# Benchmarks\n\nBefore.\n\n{START}\nold tables\n{END}\n\nAfter.\n"

    once = splice(document, "new tables\n")

    assert once == f"# Benchmarks\n\nBefore.\n\n{START}\nnew tables\n{END}\n\nAfter.\n"
    assert splice(once, "new tables\n") == once


def test_a_document_without_markers_gets_them_at_its_end() -> None:
    assert splice("# Benchmarks\n", "tables\n") == f"# Benchmarks\n\n{START}\ntables\n{END}\n"
