"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from engine.facade import MIGRATIONS, build_engine
from engine.models import Base
from tests.journey import OPERATOR


def _config(connection):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_upgrade_matches_the_models_and_downgrade_undoes_it(db_url):
    engine = build_engine(db_url)
    engine.setup.migrate()
    with engine.db.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert drift == []
    with engine.db.begin() as connection:
        command.downgrade(_config(connection), "base")
    with engine.db.connect() as connection:
        tables = set(connection.dialect.get_table_names(connection)) - {"alembic_version"}
    assert tables == set()
    engine.setup.init(demo=True)  # and up again, from nothing
    assert len(engine.org.users(OPERATOR)) == 26
    engine.db.dispose()
