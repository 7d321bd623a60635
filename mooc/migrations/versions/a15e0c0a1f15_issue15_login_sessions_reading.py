"""issue 15: per-sign-in rows (revocable sessions); single-use reading tokens and the
per-user reading clock

Revision ID: a15e0c0a1f15
Revises: ce39dac125f6
Create Date: 2026-12-02 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a15e0c0a1f15'
down_revision = 'ce39dac125f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_session_key_hash'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)
    op.create_table('reading_token_use',
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_reading_token_use_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reading_token_use_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_reading_token_use'))
    )
    with op.batch_alter_table('reading_token_use', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reading_token_use_used_at'), ['used_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reading_token_use_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reading_token_use', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reading_token_use_user_id'))
        batch_op.drop_index(batch_op.f('ix_reading_token_use_used_at'))
    op.drop_table('reading_token_use')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
    op.drop_table('login_session')
