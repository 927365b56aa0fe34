"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from engine.facade import MIGRATIONS, build_engine
from engine.models import Base
from engine.runtime.title_search import INDEX_NAMES, INDEX_TABLES
from tests.journey import OPERATOR


def _config(connection):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _described_by_models(item, name, type_, reflected, compare_to):
    """All but the title search's indexes (0036, 0039), which no model describes: an FTS5 table with its shadow
    tables and the bigram tables on SQLite, a pg_trgm GIN index and a bigram GIN index on PostgreSQL (the indexes'
    own tests check them)."""
    return not ((type_ == "table" and name in INDEX_TABLES) or (type_ == "index" and name in INDEX_NAMES))


def test_upgrade_matches_the_models_and_downgrade_undoes_it(db_url):
    engine = build_engine(db_url)
    engine.setup.migrate()
    with engine.db.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _described_by_models})
        drift = compare_metadata(context, Base.metadata)
    assert drift == []
    with engine.db.begin() as connection:
        command.downgrade(_config(connection), "base")
    with engine.db.connect() as connection:
        tables = set(connection.dialect.get_table_names(connection)) - {"alembic_version"}
    assert tables == set()
    engine.setup.init(demo=True)  # and up again, from nothing
    assert len(engine.org.users(OPERATOR)) == 26
    engine.db.dispose()
