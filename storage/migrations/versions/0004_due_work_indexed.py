"""due work indexed: pairs.due_at

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 03:00:00

Each pair carries the next moment the scheduler has work for it (bot/due_at.py keeps it in step
with every write), so the sweep reads `due_at <= now` through an index instead of looking at
every active pair.

Initial values: every pair that is not closed or dissolved is made due at once (its
`stage_changed_at`, a moment in the past), and the rest get NULL (nothing due, ever). The rule
for "next due" lives in bot/due.py and changes with the product; a migration must stay frozen
at what it meant when it was written, so it does not copy the rule. The first sweep after the
upgrade visits each live pair once, does what is due exactly as the old sweep would have, and
sets its real due_at; from the second sweep on, the sweep reads only what is due.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_pairs_due_at'), ['due_at'], unique=False)
    op.execute(
        "UPDATE pairs SET due_at = stage_changed_at WHERE stage NOT IN ('closed', 'dissolved')"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairs_due_at'))
        batch_op.drop_column('due_at')
