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
