"""issue 19: video ladder version, upgrade progress, audio-only rendition

Revision ID: a19f0c3d7e21
Revises: ce39dac125f6
Create Date: 2026-12-02 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a19f0c3d7e21'
down_revision = 'bcd66aa4cc0a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('video_asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_audio_only', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('ladder', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('upgrade_progress', sa.Double(), nullable=True))


def downgrade():
    with op.batch_alter_table('video_asset', schema=None) as batch_op:
        batch_op.drop_column('upgrade_progress')
        batch_op.drop_column('ladder')
        batch_op.drop_column('has_audio_only')
