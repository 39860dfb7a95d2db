"""names' search form without the spaces Chinese is not written with

Revision ID: f4c2a8d6e1b3
Revises: a7c3e9f1b2d4
Create Date: 2026-12-01 08:00:00

The search form (:func:`fieldapp.search_objects.search_key`) kept a run of spaces as one, so 太原市
missed a subject registered as 太原 市 (and 太原市某某店 one registered as 太原市 某某店). It now
drops every space beside a CJK character (or a sign), keeping one only between two words of a
spaced script ("Li  Wei" → "li wei"). The stored forms, ``subject.name_key`` and
``published_result.subject_name_key``, are written again by the new rule here, in batches by id
(as e3b7c1d9a4f2 filled the first), with each table's search index dropped first and built once
at the end; only the rows whose form changed are written. Downgrade writes them by the old rule.
"""

import unicodedata

from alembic import op

from fieldapp.publication import search_ddl as published
from fieldapp.search_objects import refresh_search_keys, search_key
from fieldapp.subjects import search_ddl as subjects

revision = "f4c2a8d6e1b3"
down_revision = "a7c3e9f1b2d4"
branch_labels = None
depends_on = None

BATCH = 10_000


def _runs_of_spaces_as_one(text: str | None) -> str:
    """The search form before this revision, frozen here for the downgrade."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).lower()


def _rekey(rule) -> None:
    bind = op.get_bind()
    for table, name, key, ddl in (
        ("subject", "name", "name_key", subjects.search_ddl("name_key")),
        ("published_result", "subject_name", "subject_name_key", published.search_ddl("subject_name_key")),
    ):
        ddl.drop_on(bind)
        refresh_search_keys(bind, table, name, key, BATCH, rule)
        ddl.create_on(bind)


def upgrade():
    _rekey(search_key)


def downgrade():
    _rekey(_runs_of_spaces_as_one)
