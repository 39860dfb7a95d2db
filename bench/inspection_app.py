"""The app with one inspection world's data, for the benches that drive the inspector's pages
(``bench_lighthouse.py``, ``bench_outbox.py``): a SQLite app in a temporary folder and the ``auth``
stand-in the shared test data builder (``tests/factories/inspection.py``) takes."""

from __future__ import annotations

import os
from pathlib import Path


class Auth:
    """The bits of the test ``auth`` fixture the shared test data builder uses."""

    PASSWORD = "bench-password-2021"

    def create(self, username, role="supervisor", unit="city", name=None):
        from sqlalchemy import select

        from fieldapp.auth.models import Unit, User
        from fieldapp.extensions import db

        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(
                username=username,
                name=name or username,
                role=role,
                unit=db.session.scalar(select(Unit).where(Unit.code == unit)),
            )
            user.set_password(self.PASSWORD)
            db.session.add(user)
            db.session.commit()
        return user


def inspection_app(tmp: Path, checklists_dir: str | None = None):
    """An app on a SQLite file in ``tmp`` with its tables and units made (no rate limit); the
    checklists from ``checklists_dir``, else the test checklists."""
    os.environ.setdefault("FIELDAPP_INSTANCE", str(tmp / "instance"))
    from fieldapp import create_app
    from fieldapp.auth.organisation import ensure_units
    from fieldapp.extensions import db
    from factories.inspection import CHECKLIST_DIR

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
            "MEDIA_ROOT": str(tmp / "media"),
            "CHECKLISTS_DIR": checklists_dir or str(CHECKLIST_DIR),
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        db.create_all()
        ensure_units()
        db.session.commit()
    return app
