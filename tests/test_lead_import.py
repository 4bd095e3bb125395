"""`leadloop import`: CRM exports in, rejected rows beside the file, dry runs store nothing."""

import csv
from pathlib import Path

import pytest

from bot.deps import Deps
from handlers.lead_import import map_columns, progress_line
from storage.models import Lead
from tests.factories import OTHER_TEAM, TEAM
from tests.helpers import all_rows, count_rows, run_cli, seed_campaign, seed_team

HUBSPOT = [
    ["Record ID", "First Name", "Last Name", "Email", "Company Name", "Lead Status"]
    + ["Create Date", "Contact owner", "Campaign"],
    ["101", "Ada", "Lovelace", "Ada@Example.com", "Engines", "New", "2026-11-20 09:00", "Bob", ""],
    ["102", "Grace", "Hopper", "grace@example.com", "Navy", "Connected", "", "Bob", "#fall"],
    ["103", "No", "Email", "not-an-email", "X", "New", "", "", ""],
    ["104", "Bad", "Status", "bad@example.com", "X", "Sleeping", "", "", ""],
    ["105", "Short", "Row"],
    ["", "", "", "", "Nobody", "", "", "", ""],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


async def test_a_hubspot_export_imports_with_rejects_written_beside_it(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_campaign(deps, TEAM, "fall")
    source = write_csv(tmp_path / "hubspot.csv", HUBSPOT)

    status, out, _err = await run_cli(deps, monkeypatch, capsys, "import", str(source))

    assert status == 0
    assert "2 created, 0 updated, 0 unchanged, 4 rejected" in out
    assert "Columns ignored: Contact owner" in out
    leads = {lead.external_id: lead for lead in await all_rows(deps, Lead)}
    assert set(leads) == {"101", "102"}
    assert (leads["101"].name, leads["101"].email, leads["101"].company) == (
        "Ada Lovelace",
        "ada@example.com",
        "Engines",
    )
    assert leads["102"].status == "contacted" and leads["102"].campaign_id is not None
    with open(tmp_path / "hubspot.rejected.csv", encoding="utf-8", newline="") as rejected:
        rows = list(csv.reader(rejected))
    assert rows[0] == ["line", "field", "reason", *HUBSPOT[0]]
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("4", "email"),
        ("5", "status"),
        ("6", "row"),
        ("7", "external_id"),
    ]
    assert rows[1][3:] == HUBSPOT[3]

    status, out, _err = await run_cli(deps, monkeypatch, capsys, "import", str(source))
    assert "0 created, 0 updated, 2 unchanged, 4 rejected" in out
    assert await count_rows(deps, Lead) == 2


async def test_a_dry_run_of_a_salesforce_export_stores_nothing(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_team(deps, TEAM)
    await seed_team(deps, OTHER_TEAM)
    rows = [["Lead ID", "Name", "Email", "Account Name", "Lead Status", "Created Date"]]
    rows += [
        [f"00Q{n:05d}", f"Lead {n}", f"lead{n}@example.com", "Acme", "Working - Contacted", ""]
        for n in range(2500)
    ]
    source = write_csv(tmp_path / "salesforce.csv", rows)

    status, out, _err = await run_cli(
        deps, monkeypatch, capsys, "import", str(source), "--team", TEAM, "--dry-run"
    )

    assert status == 0
    assert "dry run, nothing stored" in out and "2,500 created" in out
    assert await count_rows(deps, Lead) == 0
    assert not (tmp_path / "salesforce.rejected.csv").exists()

    status, out, _err = await run_cli(deps, monkeypatch, capsys, "import", str(source))
    assert status == 2 and await count_rows(deps, Lead) == 0  # two workspaces: --team needed


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"email\nada@example.com\n\xff\xfe broken\n", "not UTF-8"),
        (b"", "is empty"),
        (b"first name,phone\nAda,123\n", "no column for the CRM id or the email"),
    ],
    ids=["not-utf8", "empty", "no-key-column"],
)
async def test_a_file_that_cannot_be_imported_stores_nothing(
    deps: Deps,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    words: str,
) -> None:
    await seed_team(deps, TEAM)
    source = tmp_path / "leads.csv"
    source.write_bytes(content)

    status, _out, err = await run_cli(deps, monkeypatch, capsys, "import", str(source))

    assert status == 2 and words in err and err.count("\n") == 1
    assert await count_rows(deps, Lead) == 0


def test_column_names_match_case_and_punctuation_insensitively() -> None:
    columns, ignored = map_columns(["E-Mail", "EXTERNAL_ID", "Phone", "email address"])
    assert columns == {"email": 0, "external_id": 1}
    assert ignored == ["Phone", "email address"]


def test_progress_line() -> None:
    assert progress_line(50, 200, width=8) == "[##......]  25%  50 / 200 rows"
