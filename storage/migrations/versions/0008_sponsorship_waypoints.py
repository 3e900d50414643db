"""sponsorship waypoints

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 03:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Waypoints: the steps a sponsorship pair records on the way to the destination."""
    op.create_table('waypoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_waypoints_author_id_people')),
    sa.ForeignKeyConstraint(['pair_id'], ['pairs.id'], name=op.f('fk_waypoints_pair_id_pairs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waypoints'))
    )
    with op.batch_alter_table('waypoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waypoints_pair_id'), ['pair_id'], unique=False)


def downgrade() -> None:
    """Drop the waypoints."""
    with op.batch_alter_table('waypoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waypoints_pair_id'))

    op.drop_table('waypoints')
