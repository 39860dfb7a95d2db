"""The idempotent 'ensure' commands (users units, subjects tags, demo accounts): each creates what is
missing, commits, says how many there are, and changes nothing when run again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fieldapp.auth.models import Unit, User
from fieldapp.demo.accounts import DEMO_PASSWORD
from fieldapp.subjects.models import Tag


@pytest.mark.db
@pytest.mark.parametrize(
    ("args", "model", "said"),
    [
        (["users", "units"], Unit, "{count} 个单位"),
        (["subjects", "tags"], Tag, "{count} 个标签"),
        (["demo", "accounts"], User, "{count} 个演示账号（密码 " + DEMO_PASSWORD + "）"),
    ],
)
def test_an_ensure_command_commits_and_counts_and_is_safe_to_run_again(db, runner, args, model, said):
    first = runner.invoke(args=args)
    db.session.remove()  # what the command committed, read afresh
    count = db.session.scalar(select(func.count()).select_from(model))
    assert first.exit_code == 0 and count > 0 and first.output == said.format(count=count) + "\n"
    again = runner.invoke(args=args)
    db.session.remove()
    assert again.output == first.output and db.session.scalar(select(func.count()).select_from(model)) == count
