"""What one row of a subject file says: the columns found by header, each row's values read and
checked (the reasons a row is rejected), and the stored values of a new subject.

The importer (``importer.py``) streams rows through :class:`RowReader` and writes them in batches.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from .fields import (
    attempt_into,
    cell_text,
    division_from_address,
    division_from_authority,
    division_from_code,
    excel_errors_into,
    kind_from_uscc,
    map_headers,
    parse_credit_class,
    parse_date,
    parse_division,
    parse_kind,
    parse_registration_number,
    parse_status,
    parse_uscc,
    plain_code,
    split_tags,
)
from .models import SubjectKind, SubjectStatus
from .tables import TableError

# Stored fields an import may set (besides the identifiers), with their length limits.
TEXT_LIMITS = {
    "name": 200,
    "legal_representative": 64,
    "industry": 100,
    "industry_code": 5,
    "contact": 100,
    "address": 4000,
}
TEXT_LABELS = {
    "name": "名称",
    "legal_representative": "法定代表人",
    "industry": "行业",
    "industry_code": "行业代码",
    "contact": "联系电话",
    "address": "住所",
}
DATA_FIELDS = (
    "name",
    "kind",
    "legal_representative",
    "address",
    "division_code",
    "industry",
    "industry_code",
    "contact",
    "status",
    "business_term_end",
    "credit_class",
    "credit_assessed_on",
)
NEW_DEFAULTS = {
    "legal_representative": "",
    "address": "",
    "industry": "",
    "industry_code": "",
    "contact": "",
    "status": SubjectStatus.OPERATING,
    "credit_class": "B",
    "business_term_end": None,
    "credit_assessed_on": None,
}
CLEAR_TAGS = {"无", "-", "—"}


def check_columns(header: list) -> tuple[dict[str, int], list[str]]:
    """The file's columns by field; :class:`TableError` when a required one is missing."""
    columns, unknown = map_headers(header)
    if "name" not in columns:
        raise TableError(_("The file has no name column (名称 or 企业名称)."))
    if "uscc" not in columns and "registration_number" not in columns:
        raise TableError(_("The file has no identifier column (统一社会信用代码 or 注册号)."))
    return columns, unknown


def table_columns(header: list) -> dict[str, int]:
    """What a header maps to: a workbook's sheets whose headers map to the same are one table."""
    return check_columns(header)[0]


class RowReader:
    """Reads rows under one header: ``parse(cells)`` gives (values the row gives, reasons to reject it)."""

    def __init__(self, columns: dict[str, int], tag_ids: dict[str, int], header: list | None = None) -> None:
        self.columns = columns
        self.header = list(header or [])
        self.tag_ids = tag_ids
        self.has_tags = "tags" in columns

    def get(self, cells: list, name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return ""
        return cell_text(cells[index])

    def parse(self, cells: list) -> tuple[dict, list[str]]:
        reasons: list[str] = []
        row: dict = {}
        attempt = attempt_into(reasons)
        cells, failed = excel_errors_into(reasons, cells, self.columns, self.header)
        self._identifiers(cells, row, reasons, attempt, failed)
        self._texts(cells, row, reasons, failed)
        self._coded(cells, row, attempt)
        if self.has_tags and (value := self.get(cells, "tags")):
            if value in CLEAR_TAGS:
                row["tags"] = frozenset()
            else:
                names = split_tags(value)
                unknown = [n for n in names if n not in self.tag_ids]
                if unknown:
                    reasons.append(_("Unknown tag: %(names)s", names="、".join(unknown)))
                row["tags"] = frozenset(n for n in names if n in self.tag_ids)
        return row, reasons

    def _identifiers(self, cells: list, row: dict, reasons: list[str], attempt, failed: set[str]) -> None:
        """统一社会信用代码 and 注册号 (a 15-digit number in the USCC column is a registration number)."""
        uscc_text, reg_text = self.get(cells, "uscc"), self.get(cells, "registration_number")
        compact = re.sub(r"[\s-]", "", plain_code(uscc_text))
        if len(compact) == 15:  # a registration number in the USCC column
            reg_text, uscc_text = reg_text or compact, ""
        uscc = attempt(parse_uscc, uscc_text) if uscc_text else None
        reg = attempt(parse_registration_number, reg_text) if reg_text else None
        if not uscc_text and not reg_text and not failed & {"uscc", "registration_number"}:
            reasons.append(_("The unified social credit code (or registration number) is missing"))
        row.update(uscc=uscc, registration_number=reg, ident=uscc or reg)

    def _texts(self, cells: list, row: dict, reasons: list[str], failed: set[str]) -> None:
        """The name and the free-text fields, within their lengths; the industry code's form."""
        name = self.get(cells, "name")
        if not name and "name" not in failed:
            reasons.append(_("The name is missing"))
        row["name"] = name
        for text_field in ("legal_representative", "address", "industry", "industry_code", "contact"):
            value = self.get(cells, text_field)
            value = value.upper() if text_field == "industry_code" else value
            if value:
                row[text_field] = value
        if row.get("industry_code") and not re.fullmatch(r"[A-T](\d{2,4})?", row["industry_code"]):
            reasons.append(
                _(
                    "The industry code %(code)s is not a GB/T 4754 code (a letter A–T and up to four digits)",
                    code=row["industry_code"],
                )
            )
        for text_field, limit in TEXT_LIMITS.items():
            if len(row.get(text_field) or "") > limit:
                reasons.append(
                    _("%(field)s is longer than %(limit)s characters", field=TEXT_LABELS[text_field], limit=limit)
                )

    def _coded(self, cells: list, row: dict, attempt) -> None:
        """Values from a fixed vocabulary or a date (a blank cell keeps what is stored)."""
        get = lambda name: self.get(cells, name)  # noqa: E731
        if value := get("division"):
            row["division_code"] = attempt(parse_division, value)
        row["authority"] = get("authority")
        if value := get("kind"):
            row["kind"] = attempt(parse_kind, value)
        if value := get("status"):
            row["status"] = attempt(parse_status, value)
        if value := get("credit_class"):
            row["credit_class"] = attempt(parse_credit_class, value)
        if value := get("credit_assessed_on"):
            row["credit_assessed_on"] = attempt(parse_date, value, "分类日期")
        if value := get("business_term_end"):
            row["business_term_end"] = attempt(parse_date, value, "营业期限至")


def new_subject(row: dict) -> tuple[dict, list[str]]:
    """A new subject's stored values (defaults for what the row leaves out) and why it cannot be made."""
    reasons = []
    new = {**NEW_DEFAULTS, **{k: v for k, v in row.items() if k in DATA_FIELDS}}
    new.update(uscc=row["uscc"], registration_number=row["registration_number"], ident=row["ident"])
    if not new.get("division_code"):
        # 谁管辖: the registration authority, else the address, else the code's division (USCC 3–8).
        new["division_code"] = (
            division_from_authority(row.get("authority"))
            or division_from_address(new.get("address"))
            or division_from_code(row["uscc"] or row["registration_number"])
        )
        if not new["division_code"]:
            reasons.append(
                _(
                    "Outside every unit's area: neither 所属区县, the registration authority, the address nor the "
                    "code names a county of this organisation"
                )
            )
    if not new.get("kind"):
        new["kind"] = kind_from_uscc(row["uscc"]) or (SubjectKind.COOPERATIVE if "合作社" in row["name"] else None)
        if not new["kind"]:
            reasons.append(_("The kind of subject (类型) is missing"))
    return new, reasons
