"""Log in and out. Failed logins are rate-limited per account and per address."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..errors import form_status
from ..extensions import db, limiter
from .forms import LoginForm
from . import devices, throttle
from . import access
from .models import DeviceLogin, User
from .unit_names import unit_label
from .user_agents import describe as describe_browser
from .session import end_all_sessions, forget_device, is_safe_next, remember_device

bp = Blueprint("auth", __name__)
bp.add_app_template_global(unit_label, "unit_label")  # a unit as lists show it (with its city when names repeat)
bp.add_app_template_global(describe_browser, "describe_browser")  # a device by its browser and system


def _failed(response) -> bool:
    # Only failed attempts count: a successful login redirects.
    return request.method == "POST" and response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        username = form.username.data.strip()
        if not throttle.count_attempt(username):  # counted before the password is checked
            abort(429)
        user = db.session.scalar(select(User).where(User.username == username))
        if throttle.password_matches(user, form.password.data):
            throttle.clear_attempts(username)
            login_user(user)
            remember_device(user)
            db.session.commit()
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("core.index"))
        form.password.errors.append(_("Wrong username or password."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), form_status(request.method == "POST")


@bp.post("/logout")
@login_required
def logout():
    forget_device()
    end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.index"))


@bp.post("/account/devices/<int:device_id>/revoke")
@login_required
def revoke_device(device_id: int):
    device = db.session.get(DeviceLogin, device_id)
    if device is None or not access.may_revoke_device(current_user, device):
        abort(404)
    own = device.user_id == current_user.id
    devices.revoke(device, "user" if own else "admin")
    db.session.commit()
    flash(_("That device is logged out."), "success")
    return redirect(url_for("auth.account") if own else url_for("auth.user_account", user_id=device.user_id))


from . import routes_accounts, routes_organisation  # noqa: E402,F401  (the accounts and organisation pages on this blueprint)
