"""Tandem's storage: SQLAlchemy models, the database handle, Alembic migrations, the outbox."""
