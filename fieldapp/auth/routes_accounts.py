"""Accounts through the web: the holder changes their password on ``/account``; an administrator lists
the accounts of their area (``/accounts``), creates one, resets a password, deactivates and reactivates.
Plain form posts; views parse, call an operation (``accounts.py``), commit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..errors import DomainError, InvalidInput, form_status
from ..extensions import db
from . import access, accounts, devices, throttle
from .access import role_required
from .forms import AccountForm, PasswordChangeForm, PasswordResetForm
from .models import Role, Unit, User
from .routes import bp
from .session import DEVICE_SESSION_KEY
from .unit_names import unit_label

NO_STORE = {"Cache-Control": "private, no-store"}  # a page that shows a password


def _refused(form: FlaskForm, exc: DomainError) -> None:
    """The operation's message on the field it names (else above the form); nothing written."""
    db.session.rollback()
    if exc.field and exc.field in form:
        form[exc.field].errors.append(exc.text())
    else:
        flash(exc.text(), "error")


def account_page(owner: User, status: int = 200, **forms) -> ResponseReturnValue:
    """An account's page: its devices; the holder's password form, or an administrator's actions."""
    own = owner.id == current_user.id
    return render_template(
        "auth/account.html",
        owner=owner,
        own=own,
        devices=devices.devices_of(owner),
        current_device=session.get(DEVICE_SESSION_KEY) if own else None,
        password_form=forms.get("password_form") or (PasswordChangeForm(formdata=None) if own else None),
        reset_form=forms.get("reset_form") or PasswordResetForm(formdata=None),
        may_reset=access.may_reset_password(current_user, owner),
        may_deactivate=access.may_deactivate(current_user, owner),
        password_min=accounts.PASSWORD_MIN,
    ), status


@bp.get("/account")
@login_required
def account():
    """The user's own account: their password, and the phones and browsers that stay logged in."""
    return account_page(current_user._get_current_object())


@bp.get("/account/users/<int:user_id>")
@role_required(Role.ADMIN)
def user_account(user_id: int):
    """An account of the administrator's area: its devices, a new password, deactivation."""
    return account_page(_managed(user_id))


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    first = user.password_change_due  # the password an administrator chose: on to the app after
    if form.validate():
        if not throttle.count_attempt(user.username):  # the current password is guessed no faster than at login
            abort(429)
        try:
            accounts.change_own_password(user, form.current_password.data, form.new_password.data)
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            throttle.clear_attempts(user.username)
            # Every session and device login ended with the change; this browser stays signed in.
            session.pop(DEVICE_SESSION_KEY, None)
            login_user(user)
            flash(_("Your password is changed. Your other phones and browsers are logged out."), "success")
            return redirect(url_for("core.index" if first else "auth.account"))
    return account_page(user, form_status(), password_form=form)


def _managed(user_id: int) -> User:
    """The account an administrator acts on: 404 outside their area (403 for other roles: the decorator)."""
    account = db.get_or_404(User, user_id)
    if not access.may_manage_account(current_user, account):
        abort(404)
    return account


@bp.get("/accounts")
@role_required(Role.ADMIN)
def accounts_index():
    stmt = access.scope_units(select(User).join(User.unit), User.unit_id).order_by(Unit.code, User.username)
    page = db.paginate(stmt, page=max(request.args.get("page", 1, type=int), 1), per_page=100, error_out=False)
    return render_template("auth/accounts.html", page=page)


def _account_form(formdata=None) -> AccountForm:
    form = AccountForm(formdata=formdata) if formdata is not None else AccountForm()
    form.unit.choices = [(u.code, unit_label(u)) for u in access.account_units(current_user)]
    return form


@bp.get("/accounts/new")
@role_required(Role.ADMIN)
def new_account():
    form = _account_form(formdata={})
    form.role.data = Role.INSPECTOR.value
    return _new_page(form)


def _new_page(form: AccountForm, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/account_new.html", form=form, password_min=accounts.PASSWORD_MIN), status


@bp.post("/accounts/new")
@role_required(Role.ADMIN)
def create_account():
    form = _account_form()
    if form.validate():
        unit = db.session.scalar(select(Unit).where(Unit.code == form.unit.data))
        typed = form.password.data or ""
        password = typed or accounts.generated_password()
        try:
            if unit is None:
                raise InvalidInput(_("Choose a unit."), field="unit")
            account = accounts.create_account(
                current_user, form.username.data, form.name.data, form.role.data, unit, password
            )
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            shown = None if typed else password  # a generated password is shown this once
            return render_template("auth/account_saved.html", account=account, password=shown), 200, NO_STORE
    return _new_page(form, form_status())


@bp.post("/account/users/<int:user_id>/password")
@role_required(Role.ADMIN)
def reset_password(user_id: int):
    account = _managed(user_id)
    form = PasswordResetForm()
    if form.validate():
        typed = form.password.data or ""
        password = typed or accounts.generated_password()
        try:
            accounts.reset_password(current_user, account, password)
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            shown = None if typed else password
            return (
                render_template("auth/account_saved.html", account=account, password=shown, reset=True),
                200,
                NO_STORE,
            )
    return account_page(account, form_status(), reset_form=form)


@bp.post("/account/users/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate_account(user_id: int):
    return _set_active(user_id, False)


@bp.post("/account/users/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate_account(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    account = _managed(user_id)
    accounts.set_active(current_user, account, active)  # a refusal is the app's 403 page with its message
    db.session.commit()
    if active:
        flash(_("%(name)s can log in again.", name=account.name), "success")
    else:
        flash(_("%(name)s is deactivated and logged out everywhere.", name=account.name), "success")
    return redirect(url_for("auth.user_account", user_id=account.id))
