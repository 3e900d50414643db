"""working hours: per-person hours and away dates, outbox not_before

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 03:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


PENDING = sa.text("delivered_at IS NULL AND quarantined_at IS NULL")


def upgrade() -> None:
    """Upgrade schema."""
    # Existing people keep today's behaviour: Monday to Friday, never away.
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_days', sa.String(length=7), nullable=False, server_default='12345'))
        batch_op.add_column(sa.Column('away_until', sa.Date(), nullable=True))

    # Existing rows have no hold: they go as before.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_pending_not_before', ['not_before'], unique=False, sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pending_not_before', sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.drop_column('not_before')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('away_until')
        batch_op.drop_column('work_days')
