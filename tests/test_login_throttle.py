"""Login failures are counted atomically before the password is checked; unknown and known
usernames cost the same work; an account of another unit is never attributed to its holder."""

from __future__ import annotations

import threading

import pytest

from fieldapp.auth import throttle
from fieldapp.auth.models import User


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
    }


@pytest.fixture
def checks(monkeypatch):
    """Counts every password check (known accounts and the dummy check for unknown ones)."""
    seen = {"known": 0, "unknown": 0}
    lock = threading.Lock()
    real_check = User.check_password
    real_hash_check = throttle.check_password_hash

    def counted(self, password):
        with lock:
            seen["known"] += 1
        return real_check(self, password)

    def counted_dummy(pwhash, password):
        with lock:
            seen["unknown"] += 1
        return real_hash_check(pwhash, password)

    monkeypatch.setattr(User, "check_password", counted)
    monkeypatch.setattr(throttle, "check_password_hash", counted_dummy)
    return seen


def test_fifty_simultaneous_wrong_passwords_for_one_account_check_at_most_five(app, auth, checks, client_request):
    auth.create("city-supervisor")
    login = client_request.url_for("auth.login")
    barrier = threading.Barrier(50)
    statuses, errors = [], []

    def guess(n):
        c = app.test_client()
        try:
            barrier.wait()
            r = c.post(login, data={"username": "city-supervisor", "password": f"guess-{n}"})
            statuses.append(r.status_code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert checks["known"] <= 5
    assert statuses.count(401) == checks["known"]
    assert statuses.count(429) == 50 - checks["known"]


def _login(client_request, username: str, password: str, status: int):
    return client_request.post_response(
        "auth.login", _data={"username": username, "password": password}, _expected_status=status
    )


def test_the_limit_also_stops_the_right_password(client_request, auth):
    auth.create("city-supervisor")
    for n in range(5):
        _login(client_request, "city-supervisor", f"x{n}", 401)
    r = _login(client_request, "city-supervisor", auth.PASSWORD, 429)
    assert "请稍" in r.get_data(as_text=True) or "稍后" in r.get_data(as_text=True)


def test_a_correct_password_clears_the_count(client_request, auth):
    auth.create("city-supervisor")
    for n in range(4):
        _login(client_request, "city-supervisor", f"x{n}", 401)
    _login(client_request, "city-supervisor", auth.PASSWORD, 302)
    client_request.logout()
    for n in range(4):
        _login(client_request, "city-supervisor", f"y{n}", 401)


def test_unknown_and_known_usernames_do_the_same_password_work(client_request, auth, checks):
    auth.create("city-supervisor")
    _login(client_request, "city-supervisor", "wrong", 401)
    _login(client_request, "no-such-person", "wrong", 401)
    assert checks == {"known": 1, "unknown": 1}


def test_unknown_usernames_are_limited_like_known_ones(client_request):
    for n, status in enumerate([401] * 5 + [429] * 2):
        _login(client_request, "ghost", f"x{n}", status)


class TestAccountHolders:
    @pytest.fixture
    def app_config(self):
        from factories.inspection import CHECKLIST_DIR

        return {"CHECKLISTS_DIR": str(CHECKLIST_DIR)}

    def test_a_county_supervisor_never_learns_who_holds_another_countys_account(self, client_request, auth):
        from fieldapp.extensions import db
        from fieldapp.inspectors.models import Inspector
        from fieldapp.auth.models import Unit
        from sqlalchemy import select

        holder = auth.create("pinglu-insp", "inspector", "140603", name="王秘密")
        unit = db.session.scalar(select(Unit).where(Unit.code == "140603"))
        db.session.add(Inspector(name="王秘密", certificate_number="14060300001", unit=unit, user_id=holder.id))
        db.session.commit()
        client_request.login("shuocheng-sup", "supervisor", "140602")
        page = client_request.get_response("inspectors.create")
        import re

        unit_value = re.search(r'name="unit"[^>]*>\s*<option[^>]*value="(\d+)"', page.get_data(as_text=True))
        assert unit_value is not None
        data = {
            "name": "新人",
            "category": "law_enforcement",
            "certificate_number": "14060200999",
            "status": "在岗",
            "account": "pinglu-insp",
            "unit": unit_value.group(1),
            "effective_on": "2026-01-05",
            "certificate_valid_until": "2030-12-31",
        }
        text = client_request.post_response("inspectors.create", _data=data, _expected_status=422).get_data(
            as_text=True
        )
        assert "没有这个用户名的账号" in text or "no account" in text.lower()
        assert "王秘密" not in text
