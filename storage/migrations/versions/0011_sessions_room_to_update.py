"""sessions room to update: leave a tenth of each page free (PostgreSQL)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 09:05:00

A session row is written once and then updated three or four times: reminded, check-in sent,
resolved. None of those columns is indexed, so PostgreSQL can update the row in place on its
page (a HOT update) and leave the table's five indexes alone, but only if the page has room
for the new version. Packed full (the default fillfactor of 100), every first update moves the
row and writes an entry into every index; a sweep reminding 1,000 sessions paid that 1,000
times (bench/sweep.py). A fillfactor of 90 keeps the room for pages written from now on;
SQLite has no such setting.
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE sessions SET (fillfactor = 90)')


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE sessions RESET (fillfactor)')
