"""Alembic owns the schema: migrations and models agree, and serve refuses an old schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - registers the tables
from bot.cli import main
from bot.deps import Deps
from storage.db import create_engine
from storage.migrate import current_revisions, head_revisions, is_up_to_date
from storage.models import Feedback


async def test_migrated_schema_matches_the_models(deps: Deps) -> None:
    async with deps.engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
            )
        )
    assert differences == []
    assert await current_revisions(deps.engine) == head_revisions()


async def test_new_database_is_out_of_date(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        assert not await is_up_to_date(engine)
    finally:
        await engine.dispose()


def test_serve_refuses_an_unmigrated_database(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-anything")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret-value")
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "leadloop: the database schema is out of date (at empty, needs "
        f"{', '.join(sorted(head_revisions()))}): run `leadloop migrate`."
    )


def test_migrate_then_migrate_again(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "Database migrated to" in out and "Database already up to date" in out


async def test_bulk_loaded_feedback_gets_first_feedback_times(deps: Deps) -> None:
    from datetime import timedelta

    from storage.leads import refresh_first_feedback
    from storage.models import Lead
    from tests.factories import TEAM
    from tests.helpers import add_lead, add_team, all_rows

    await add_team(deps)
    now = deps.clock.now()
    lead_id = await add_lead(deps, "Bulk", handed_off_at=now - timedelta(days=2))
    async with deps.sessions.begin() as session:
        for hours in (30, 5):
            session.add(
                Feedback(
                    team_id=TEAM,
                    lead_id=lead_id,
                    author="U1",
                    rating="hot",
                    created_at=now - timedelta(hours=hours),
                )
            )
    async with deps.sessions.begin() as session:
        await refresh_first_feedback(session=session, team_id=TEAM)
    [lead] = await all_rows(deps, Lead)
    assert lead.first_feedback_at == now - timedelta(hours=30)
