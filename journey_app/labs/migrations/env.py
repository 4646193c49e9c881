"""Alembic environment for the submissions store: programmatic (upgrade_to_head) and `alembic -c` alike.

The URL comes from the caller, else DATABASE_URL, else the journey default; migrations of one database
are serialised (PostgreSQL advisory lock, a lock file beside a SQLite file) so workers may start together.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool, text

from journey_app.labs.tables import metadata

config = context.config
MIGRATION_LOCK_KEY = 0x6C67_7374  # "lgst": one advisory lock id for this application's migrations

if config.config_file_name and not config.attributes.get("programmatic"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.attributes.get("url") or os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        from journey_app.settings import Settings

        url = Settings.from_env().database_url
    return url


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    from journey_app.labs.store import make_engine, sqlite_file_lock

    url = database_url()
    engine = make_engine(url, poolclass=pool.NullPool) if url.startswith("sqlite") else \
        create_engine(url, poolclass=pool.NullPool)
    with sqlite_file_lock(url), engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # held until this transaction commits; a second worker waits, then finds head applied
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
