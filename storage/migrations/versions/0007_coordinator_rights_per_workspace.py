"""coordinator rights per workspace, and their audit trail

Each coordinator right remembers where it came from (people.coordinator_source): "setting"
rights are taken back when TANDEM_COORDINATORS stops naming the person, "command" rights
(`coordinator add`) stay until `coordinator remove`. Coordinators from before this migration
count as "setting": nothing recorded how they became one, and a right nobody can account for
should not outlive the setting (a coordinator can `coordinator add` them again).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 03:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coordinator_source', sa.String(length=16), nullable=True))
    op.execute("UPDATE people SET coordinator_source = 'setting' WHERE is_coordinator")
    op.create_table('coordinator_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('verb', sa.String(length=32), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_coordinator_actions_actor_id_people')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_coordinator_actions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordinator_actions'))
    )
    with op.batch_alter_table('coordinator_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordinator_actions_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('coordinator_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordinator_actions_tenant_id'))
    op.drop_table('coordinator_actions')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('coordinator_source')
