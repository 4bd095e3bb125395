"""`leadloop import`: CRM exports in, rejected rows beside the file, dry runs store nothing."""

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.deps import Deps
from handlers.crm_files import map_columns
from handlers.lead_import import progress_line
from handlers.lead_intake import Dropped, LeadDraft, ReadRules, Rejection, parse_lead
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


async def test_a_hubspot_export_imports_with_rejects_and_warnings_written_beside_it(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_campaign(deps, TEAM, "fall")
    source = write_csv(tmp_path / "hubspot.csv", HUBSPOT)

    status, out, _err = await run_cli(deps, monkeypatch, capsys, "import", str(source))

    assert status == 0
    assert "4 created, 0 updated, 0 unchanged, 2 rejected" in out
    assert "1 older leads imported as history" in out  # Ada, handed over four days ago
    assert "4 rows stored without a bad field" in out
    assert "  owner: no one in Slack is called Bob (2 rows)" in out
    leads = {lead.external_id: lead for lead in await all_rows(deps, Lead)}
    assert set(leads) == {"101", "102", "103", "104"}
    assert (leads["101"].name, leads["101"].email, leads["101"].company) == (
        "Ada Lovelace",
        "ada@example.com",
        "Engines",
    )
    assert leads["101"].history and not leads["102"].history
    assert leads["102"].status == "contacted" and leads["102"].campaign_id is not None
    assert leads["102"].owner is None  # nobody in Slack is called Bob
    assert (leads["103"].email, leads["104"].status) == (None, "new")
    with open(tmp_path / "hubspot.rejected.csv", encoding="utf-8", newline="") as rejected:
        rows = list(csv.reader(rejected))
    assert rows[0] == ["line", "field", "reason", *HUBSPOT[0]]
    assert [(row[0], row[1]) for row in rows[1:]] == [("6", "row"), ("7", "external_id")]
    assert rows[1][3:] == HUBSPOT[5]
    with open(tmp_path / "hubspot.warnings.csv", encoding="utf-8", newline="") as warned:
        warnings = [(row[0], row[1], row[3]) for row in csv.reader(warned)][1:]
    assert warnings == [
        ("2", "owner", "Bob"),
        ("3", "owner", "Bob"),
        ("4", "email", "not-an-email"),
        ("5", "status", "Sleeping"),
    ]

    status, out, _err = await run_cli(deps, monkeypatch, capsys, "import", str(source))
    assert "0 created, 0 updated, 4 unchanged, 2 rejected" in out
    assert await count_rows(deps, Lead) == 4


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
    assert columns == {"email": 3, "external_id": 1}  # the better-ranked email column
    assert ignored == ["E-Mail", "Phone"]


def test_progress_line() -> None:
    assert progress_line(50, 200, width=8) == "[##......]  25%  50 / 200 rows"


def test_the_rules_both_intakes_share_refuse_text_that_is_not_unicode() -> None:
    now, rules = datetime(2026, 11, 24, tzinfo=UTC), ReadRules()
    for field in ("name", "company", "external_id", "owner", "campaign", "status"):
        item = {"email": "a@example.com", field: "half \udc80 a character"}
        draft = parse_lead(item, now=now, rules=rules)
        # An optional field that cannot be stored is dropped with a warning; the lead stays.
        assert isinstance(draft, LeadDraft)
        assert Dropped(field, "is not valid Unicode text") in draft.dropped
    assert parse_lead({"external_id": "half \udc80"}, now=now, rules=rules) == Rejection(
        "external_id", "is not valid Unicode text, and no email identifies the lead"
    )
    kept = parse_lead({"email": "a@example.com", "name": "Zoë 🚀"}, now=now, rules=rules)
    assert isinstance(kept, LeadDraft) and kept.fields.name == "Zoë 🚀" and not kept.dropped


async def test_a_value_the_database_cannot_store_is_dropped_from_its_row_alone(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_team(deps, TEAM)
    rows = [["email", "name"], ["ada@example.com", "Ada"], ["nul@example.com", "Nul\x00l"]]
    source = write_csv(tmp_path / "leads.csv", rows + [["grace@example.com", "Grace"]])

    status, out, _err = await run_cli(deps, monkeypatch, capsys, "import", str(source))

    assert status == 0 and "3 created, 0 updated, 0 unchanged, 0 rejected" in out
    names = {lead.email: lead.name for lead in await all_rows(deps, Lead)}
    assert set(names) == {"ada@example.com", "nul@example.com", "grace@example.com"}
    assert names["ada@example.com"] == "Ada" and not names["nul@example.com"]


def test_a_hand_off_before_the_first_moment_utc_can_hold_is_out_of_range() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    item = {"email": "a@example.com", "handed_off_at": "0001-01-01T00:00:00+14:00"}
    draft = parse_lead(item, now=now, rules=ReadRules())
    assert isinstance(draft, LeadDraft) and draft.fields.handed_off_at is None
    assert Dropped("handed_off_at", "is out of range") in draft.dropped
