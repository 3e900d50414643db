"""enrolment consent: invitations and leaving

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 03:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))

    # Enrolments made before invitations existed count as accepted, so the programmes that
    # hold them keep matching: their consent is dated from the enrolment itself.
    op.execute(sa.text('UPDATE enrolments SET consent_at = created_at WHERE consent_at IS NULL'))


def downgrade() -> None:
    """Downgrade schema."""
    # consent_at predates this revision; the consents it filled in are left as they are.
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_column('left_at')
        batch_op.drop_column('declined_at')
        batch_op.drop_column('invited_at')
