"""operator status: when each scope was last swept, for `tandem status`

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 04:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('last_sweeps',
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('swept_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ticks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_last_sweeps'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('last_sweeps')
