"""The service's first tables: inputs, uploads, jobs, rounds, responses, transitions, audit.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "inputs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("input_sha256", sa.String(64), sa.ForeignKey("inputs.sha256"), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_uploads_agency", "uploads", ["agency"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("input_sha256", sa.String(64), sa.ForeignKey("inputs.sha256"), nullable=True),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("started", sa.DateTime(), nullable=True),
        sa.Column("finished", sa.DateTime(), nullable=True),
        sa.Column("elapsed", sa.Double(), nullable=True),
        sa.Column("objective", sa.Double(), nullable=True),
        sa.Column("bound", sa.Double(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("best", sa.JSON(), nullable=True),
        sa.Column("best_saved", sa.DateTime(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "rounds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("input_sha256", sa.String(64), sa.ForeignKey("inputs.sha256"), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("notices", sa.JSON(), nullable=True),
        sa.Column("revised", sa.JSON(), nullable=True),
        sa.Column("revision", sa.JSON(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("stale_input_sha256", sa.String(64), nullable=True),
        sa.Column("last_check", sa.JSON(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("updated", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_rounds_agency", "rounds", ["agency"])
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.String(32), sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=False),
        sa.Column("response", sa.String(20), nullable=False),
        sa.Column("target_position", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("response_given", sa.String(200), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("round_id", "employee_id", name="uq_responses_round_employee"),
    )
    op.create_index("ix_responses_round_id", "responses", ["round_id"])
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.String(32), sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_transitions_round_id", "transitions", ["round_id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_type", sa.String(20), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_object", "audit", ["object_type", "object_id"])


def downgrade() -> None:
    """Drop every table."""
    for name in ("audit", "transitions", "responses", "rounds", "jobs", "uploads", "inputs"):
        op.drop_table(name)
