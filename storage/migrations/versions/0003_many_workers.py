"""many workers: one live pair per mentee and programme, enforced by the database

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 03:00:00

Several `tandem serve` processes (or two coordinators typing `match` at once) can each check
"is this person free?" before either has committed, and both pair the same person. The check in
bot/commands/coordinator.py stays (it gives the clear answer in the common case); this index
makes the race impossible: the second commit fails, and the engine answers with a refusal.

What exactly is unique, and why:

- The *mentee* side, per programme, among live pairs (stages proposed, chemistry, contracting,
  active, wrap_up and paused; closed and dissolved pairs hold nobody). A mentee is enrolled with
  room for one pair; `match` and `pair` both refuse a second.
- Not the mentor side: a mentor enrolled with capacity > 1 legitimately leads several live
  pairs in one programme, and capacity is a number no index can count. Two concurrent runs can
  still take a mentor one pair past their capacity; that is a soft limit the coordinator sees
  in `status` and can fix, while a person paired twice is a broken promise to two partners.
- "Never two live pairs between the same two people" follows from it in classic, reverse and
  sponsorship programmes, where each person has one role.
- Reciprocal programmes store the junior of the two as the mentee (`_senior_first` in
  bot/commands/coordinator.py). A reciprocal *mentor* enrolled with capacity > 1 who is junior
  to two partners would be the stored mentee twice; the index refuses the second pair with a
  clear answer. That trade is deliberate: without a column saying which enrolment a pair uses,
  no index can tell that case from a real double pairing, and it is rare (reciprocal pairs
  are usually one to one).

Existing rows: the application has always refused a second live pair for a mentee, so no
database built by Tandem holds one; if one does (edited by hand), creating the index fails and
names it, and the operator dissolves the duplicate first.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LIVE = sa.text(
    "stage IN ('proposed', 'chemistry', 'contracting', 'active', 'wrap_up', 'paused')"
)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        'uq_pairs_live_mentee',
        'pairs',
        ['programme_id', 'mentee_id'],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('uq_pairs_live_mentee', table_name='pairs')
