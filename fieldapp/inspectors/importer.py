"""Import the inspector roster (执法检查人员名录) from CSV/.xlsx; upsert by certificate number.

Changes to people already on the roster are dated (状态日期 when the file gives it, else the day of
the import) and kept. Experts and third-party staff (类别 专家/第三方/辅助) are imported as assistants.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..auth import access
from ..auth.models import Unit, User
from ..auth.unit_names import AmbiguousUnitName, unit_spelled, units_by_spelling
from ..core.csv_records import Unreadable
from ..extensions import db
from ..subjects.fields import (
    BadValue,
    attempt_into,
    cell_text,
    excel_errors_into,
    normalise_header,
    parse_date,
    split_tags,
)
from ..subjects.import_report import RowCounts
from ..subjects.importer import Reject
from ..subjects.import_report import duplicate_reason, row_label
from ..subjects.tables import REJECT_COLUMNS, RejectWriter, TableError, default_locale, open_table, place
from ..subjects.vocabulary import specialty_named, specialty_names
from .models import Inspector, InspectorCategory, InspectorStatus
from .operations import change_inspector, create_inspector

HEADERS = {
    "name": ("姓名",),
    "certificate_number": ("执法证号", "执法证件号", "执法证编号", "证号", "执法证件号码"),
    "certificate_valid_until": (
        "有效期至",
        "证件有效期至",
        "执法证有效期至",
        "有效期",
        "执法证有效期",
        "证件有效期",
        "有效期截止",
    ),
    "unit": ("单位", "所在单位", "工作单位", "所属单位", "所在部门", "部门", "科室", "所在科室"),
    "specialties": ("执法领域", "专业领域", "业务专长", "执法门类", "执法类别", "擅长领域", "专业"),
    "status": ("状态", "在岗状态", "人员状态", "在岗情况"),
    "status_date": ("状态日期", "变动日期", "生效日期"),
    "category": ("类别", "人员类别"),
    "phone": ("联系电话", "电话", "手机"),
    "account": ("账号", "用户名", "登录账号"),
}
_INDEX = {normalise_header(h): f for f, names in HEADERS.items() for h in names}
ASSISTANT_WORDS = ("专家", "第三方", "辅助", "检测机构", "协助", "技术人员")
STATUS_ALIASES = {"在职": "在岗", "离职": "调离", "调出": "调离", "暂停": "停职"}


SHOWN_WARNINGS = 20  # warnings a report says one by one; the count says them all


@dataclass
class AccountWarning:
    """A roster row imported without the login account (账号) it names: no user has it, or another
    inspector (``holder``) holds it already. ``line`` is the row on ``sheet`` (a table over sheets)."""

    line: int
    sheet: str
    account: str
    name: str
    holder: str = ""

    def text(self) -> str:
        where = row_label(self.line, self.sheet) if self.sheet else _("Row %(row)s", row=self.line)
        if self.holder:
            return _(
                "%(where)s: the account %(account)s belongs to %(holder)s already; %(name)s was imported "
                "but not linked to it",
                where=where,
                account=self.account,
                holder=self.holder,
                name=self.name,
            )
        return _(
            "%(where)s: no account %(account)s was found; %(name)s was imported but not linked to an account",
            where=where,
            account=self.account,
            name=self.name,
        )


@dataclass
class RosterReport(RowCounts):
    """What a roster import did with its rows, and the rows it imported with a warning."""

    warned: int = 0
    warnings: list[AccountWarning] = field(default_factory=list)  # the first of them (a job keeps a few)

    def warn(self, warning: AccountWarning) -> None:
        self.warned += 1
        self.warnings.append(warning)

    def summary(self) -> list[str]:
        lines = super().summary()
        if self.warned:
            lines.append(_("%(count)s rows imported with a warning:", count=self.warned))
            lines.extend(w.text() for w in self.warnings[:SHOWN_WARNINGS])
        if self.warned > SHOWN_WARNINGS:
            lines.append(_("… and %(count)s more", count=self.warned - SHOWN_WARNINGS))
        return lines


def parse_category(value: str) -> str:
    if not value or value in ("执法人员", "行政执法人员", "执法", InspectorCategory.LAW_ENFORCEMENT):
        return InspectorCategory.LAW_ENFORCEMENT
    if value == InspectorCategory.ASSISTANT or any(w in value for w in ASSISTANT_WORDS):
        return InspectorCategory.ASSISTANT
    raise BadValue(_("Unknown category: %(value)s (执法人员, 专家 or 第三方)", value=value))


def parse_inspector_status(value: str) -> str:
    value = STATUS_ALIASES.get(value, value)
    if value in {s.value for s in InspectorStatus}:
        return value
    raise BadValue(_("Unknown status: %(value)s (在岗, 调离, 退休 or 停职)", value=value))


def import_roster(
    header: list,
    rows,
    today: date | None = None,
    reject_writer: RejectWriter | None = None,
    sheets: Sequence[str] = (),
    within: Unit | None = None,
) -> RosterReport:
    """Import roster rows ``(line, cells)`` under ``header`` (flushed: the caller commits). Raises TableError for a bad header.
    ``sheets`` names a workbook's table sheets (a reject or a warning names its sheet). Unit names
    are read among the units of ``within``'s organisation (the importing user's; default: every unit)."""
    with default_locale():
        return _import_roster(header, rows, today or clock.today(), reject_writer, list(sheets), within)


def roster_columns(header: list) -> tuple[dict[str, int], list[str]]:
    """The roster file's columns by field and the headers not used; TableError without 姓名."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, text in enumerate(header):
        key = normalise_header(text)
        if key in _INDEX:
            columns.setdefault(_INDEX[key], index)
        elif key and key not in REJECT_COLUMNS:
            unknown.append(str(text))
    if "name" not in columns:
        raise TableError(_("The file has no 姓名 column."))
    return columns, unknown


def roster_table_columns(header: list) -> dict[str, int]:
    """What a header maps to: a workbook's sheets whose headers map to the same are one roster."""
    return roster_columns(header)[0]


def _import_roster(
    header: list, rows, today: date, reject_writer: RejectWriter | None, sheets: list[str], within: Unit | None
) -> RosterReport:
    report = RosterReport()
    columns, report.unknown_headers = roster_columns(header)
    units = units_by_spelling(within)
    seen: dict[str, int] = {}
    writer = reject_writer or RejectWriter(None, header, sheets)

    def reject(line: int, cells: list, reasons: list[str], number: str, name: str) -> None:
        report.rejected += 1
        writer.write(line, cells, reasons)
        sheet, row = place(line, sheets)
        report.rejects.append(Reject(row, reasons, number, name, sheet))

    for line, cells in rows:
        report.rows += 1
        if isinstance(cells, Unreadable):  # e.g. an unclosed quote: the file's line itself is broken
            reject(line, cells, [cells.reason], "", "")
            continue
        values, extra, reasons = _read_row(cells, columns, header, units)
        key = values["certificate_number"] or f"{values['name']}@{values['unit'].code if 'unit' in values else ''}"
        if not reasons and key in seen:
            reasons.append(duplicate_reason(seen[key], sheets))
        if not reasons and within is not None and (outside := _outside(values, within)):
            reasons.append(outside)
        if reasons:
            reject(line, cells, reasons, values["certificate_number"] or "", values["name"])
            continue
        inspector = _store(values, extra, today, report)
        if inspector is None:  # a certificate number not on the roster yet, without its unit
            reject(line, cells, [_("The unit is missing")], values["certificate_number"] or "", values["name"])
            continue
        seen[key] = line
        if extra["account"]:
            _link_account(inspector, extra["account"], place(line, sheets), report)
    db.session.flush()
    writer.close()
    return report


def _read_row(cells: list, columns: dict[str, int], header: list, units) -> tuple[dict, dict, list[str]]:
    """A roster row's inspector values, its other values (status, its date, the account) and the
    reasons it cannot be imported (a cell holding an Excel error is told as that, not as missing)."""
    reasons: list[str] = []
    cells, failed = excel_errors_into(reasons, cells, columns, header)

    def get(name: str) -> str:
        index = columns.get(name)
        return cell_text(cells[index]) if index is not None and index < len(cells) else ""

    attempt = attempt_into(reasons)
    name = re.sub(r"\s", "", get("name"))
    if not name and "name" not in failed:
        reasons.append(_("The name is missing"))
    category = attempt(parse_category, get("category"))
    number = unicodedata.normalize("NFKC", get("certificate_number")).strip().upper() or None
    valid_text = get("certificate_valid_until")
    valid_until = attempt(parse_date, valid_text, "有效期至") if valid_text else None
    if category == InspectorCategory.LAW_ENFORCEMENT and not number and not failed & {"category", "certificate_number"}:
        reasons.append(_("A law-enforcement inspector needs a certificate number (执法证号)"))
    if number and not valid_text and "certificate_valid_until" not in failed:
        reasons.append(_("The certificate's valid-until date (有效期至) is missing"))
    unit, ambiguous = _unit_of(get("unit"), units)
    if ambiguous:
        reasons.append(ambiguous)
    elif get("unit") and unit is None:
        reasons.append(_("Unknown unit: %(value)s", value=get("unit")))
    elif unit is None and "unit" not in failed and ("unit" not in columns or not number):
        reasons.append(_("The unit is missing"))  # without a certificate number, people are found by unit
    written = split_tags(get("specialties"))
    unknown = [s for s in written if specialty_named(s) is None]
    specialties = list(dict.fromkeys(n for s in written if (n := specialty_named(s)) is not None))
    if unknown:
        reasons.append(
            _(
                "Unknown enforcement field: %(names)s (the fields are %(known)s)",
                names="、".join(unknown),
                known="、".join(specialty_names()),
            )
        )
    values: dict = {"name": name, "category": category, "certificate_number": number}
    values["certificate_valid_until"] = valid_until
    if unit is not None:
        values["unit"] = unit
    if "specialties" in columns and specialties:
        values["specialties"] = specialties
    if get("phone"):
        values["phone"] = get("phone")
    extra = {
        "status": attempt(parse_inspector_status, get("status")) if get("status") else None,
        "status_date": attempt(parse_date, get("status_date"), "状态日期") if get("status_date") else None,
        "account": get("account"),
    }
    return values, extra, reasons


def _outside(values: dict, within: Unit) -> str:
    """Why a row is refused when its unit, or the unit of the inspector its certificate number
    names, is not the uploader's bureau's (a higher bureau, another city's person), else ''."""
    units = [values.get("unit")]
    if number := values["certificate_number"]:
        found = db.session.scalar(select(Inspector).where(Inspector.certificate_number == number))
        units.append(found.unit if found is not None else None)
    for unit in units:
        if unit is not None and not access.unit_reaches(within, unit):
            return _("%(unit)s is outside your bureau's area", unit=unit.name)
    return ""


def _unit_of(text: str, units) -> tuple[Unit | None, str]:
    """The unit a row's 单位 names, or the reason it names none for sure (two units have that name)."""
    try:
        return (unit_spelled(text, units) if text else None), ""
    except AmbiguousUnitName as exc:
        return None, exc.text()


def _store(values: dict, extra: dict, today: date, report: RosterReport) -> Inspector | None:
    """The row's inspector, found by certificate number (else by name and unit), created or changed;
    None for a new one without a unit (nothing is stored)."""
    number, name, unit = values["certificate_number"], values["name"], values.get("unit")
    if number or unit is None:
        inspector = db.session.scalar(select(Inspector).where(Inspector.certificate_number == number))
    else:
        inspector = db.session.scalar(
            select(Inspector).where(
                Inspector.name == name, Inspector.unit_id == unit.id, Inspector.certificate_number.is_(None)
            )
        )
    status, status_date = extra["status"], extra["status_date"]
    if inspector is None and unit is None:
        return None
    if inspector is None:
        inspector = create_inspector(values.pop("unit"), values.pop("name"), **values)
        db.session.flush()
        report.created += 1
        if status and status != InspectorStatus.ON_DUTY:
            change_inspector(inspector, status_date or today, "导入", status=status)
        return inspector
    if status:
        values["status"] = status
    if change_inspector(inspector, status_date or today, _("Roster import"), **values):
        report.updated += 1
    else:
        report.unchanged += 1
    return inspector


def _link_account(inspector: Inspector, account: str, where: tuple[str, int], report: RosterReport) -> None:
    """Link the row's login account (账号); an account no user has, or one another inspector holds
    already, is left out, with a warning on the row (the inspector is imported all the same)."""
    user = db.session.scalar(select(User).where(User.username == account))
    holder = user and db.session.scalar(select(Inspector).where(Inspector.user_id == user.id))
    sheet, row = where
    if user is None:
        report.warn(AccountWarning(row, sheet, account, inspector.name))
    elif holder is not None and holder.id != inspector.id:
        report.warn(AccountWarning(row, sheet, account, inspector.name, holder.name))
    elif inspector.user_id != user.id:
        inspector.user = user
        db.session.flush()


def import_roster_file(
    path: str | Path,
    reject_path: str | Path | None = None,
    today: date | None = None,
    encoding: str | None = None,
    within: Unit | None = None,
) -> RosterReport:
    """Import a roster file (``encoding``: a CSV's text encoding when its upload decided it; unit
    names are read in ``within``'s organisation, see :func:`import_roster`)."""
    with default_locale(), open_table(path, roster_table_columns, encoding) as table:
        writer = RejectWriter(reject_path, table.header, table.sheets)
        return import_roster(
            table.header, table.rows, today=today, reject_writer=writer, sheets=table.sheets, within=within
        )
