"""Alembic environment: runs on the app's engine (online) or prints SQL (offline, --sql)."""

from alembic import context

from server.migrate import include_name, models

metadata = models()

config = context.config

if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        # SQLite cannot ALTER most things: batch mode rebuilds tables when a migration needs it.
        context.configure(connection=connection, target_metadata=metadata,
                          include_name=include_name,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
