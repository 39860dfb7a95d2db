"""Import the subject directory from a bureau's export, streaming, in batches of bulk statements.

Rules
- Rows are matched to stored subjects by USCC, else by the 15-digit registration number; a match is
  updated (upsert), anything else is created.
- A blank cell never erases what is stored (write 无 in 标签 to clear a subject's tags); a column the
  file does not have is left alone.
- Every change to a stored subject is kept in ``subject_change`` (old value, new value, the file),
  so class and status history survives re-imports. An identical re-import writes nothing.
- A bad row is rejected with its reasons and never stops the import; every valid row is imported.
- Memory stays flat however long the file: rows are read one at a time, written per batch, and the
  "already seen in this file" set lives in a temporary on-disk SQLite database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update

from .. import clock
from ..extensions import db
from .import_report import ImportReport, Reject, SeenKeys, as_text, padded_chunks
from .fields import (
    BadValue,
    cell_text,
    division_from_address,
    division_from_authority,
    division_from_code,
    kind_from_uscc,
    map_headers,
    parse_credit_class,
    parse_date,
    parse_division,
    parse_kind,
    parse_registration_number,
    parse_status,
    parse_uscc,
    split_tags,
)
from .models import Subject, SubjectChange, SubjectKind, SubjectStatus, subject_tag
from .search_ddl import bulk_insert_subjects, ensure_search_ddl
from .tables import RejectWriter, TableError, default_locale, open_table
from .vocabulary import ensure_tags

SUBJECT = Subject.__table__
CHANGE = SubjectChange.__table__

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
    "status": SubjectStatus.OPERATING.value,
    "credit_class": "B",
    "business_term_end": None,
    "credit_assessed_on": None,
}
CLEAR_TAGS = {"无", "-", "—"}
KEEP_REJECTS = 500  # rejects kept in the report for display; all of them go to the rejects file


def check_columns(header: list) -> tuple[dict[str, int], list[str]]:
    """The file's columns by field; :class:`TableError` when a required one is missing."""
    columns, unknown = map_headers(header)
    if "name" not in columns:
        raise TableError(_("The file has no name column (名称 or 企业名称)."))
    if "uscc" not in columns and "registration_number" not in columns:
        raise TableError(_("The file has no identifier column (统一社会信用代码 or 注册号)."))
    return columns, unknown


class SubjectImporter:
    """Feed it ``(line, cells)`` rows under a header; call :meth:`finish` for the report."""

    def __init__(
        self,
        header: list,
        source: str = "",
        reject_writer: RejectWriter | None = None,
        batch_size: int = 2000,
        today: date | None = None,
        progress: Callable[[ImportReport], None] | None = None,
        seen: SeenKeys | None = None,
        before_commit: Callable[[ImportReport, int], None] | None = None,
    ) -> None:
        """``before_commit(report, last_line)`` runs inside each batch's transaction (a job's checkpoint)."""
        self.columns, unknown = check_columns(header)
        self.report = ImportReport(source=source, unknown_headers=unknown)
        self.rejects = reject_writer or RejectWriter(None, header)
        self.batch_size = batch_size
        self.today = today or clock.today()
        self.progress = progress
        self.tag_ids = {name: tag.id for name, tag in ensure_tags().items()}
        ensure_search_ddl(db.session.connection())
        db.session.commit()
        self.update_fields = [f for f in DATA_FIELDS if self._column_for(f) in self.columns]
        self.has_tags = "tags" in self.columns
        self.seen = seen or SeenKeys()
        self.before_commit = before_commit
        self.last_line = 0
        self.pending: list[tuple[int, list, dict]] = []
        self.reject_buffer: list[tuple[int, list, list[str], dict | None]] = []

    @staticmethod
    def _column_for(field_name: str) -> str:
        return "division" if field_name == "division_code" else field_name

    # --- rows ----------------------------------------------------------------------------------

    def feed(self, rows: Iterable[tuple[int, list]]) -> None:
        with default_locale():
            self._feed(rows)

    def _feed(self, rows: Iterable[tuple[int, list]]) -> None:
        for line, cells in rows:
            self.report.rows += 1
            self.last_line = line
            row, reasons = self.parse(cells)
            if reasons:
                self._reject(line, cells, reasons, row)
            else:
                self.pending.append((line, cells, row))
            if len(self.pending) + len(self.reject_buffer) >= self.batch_size:
                self._flush()

    def finish(self) -> ImportReport:
        with default_locale():
            self._flush()
        self.seen.close()
        self.rejects.close()
        if self.rejects.path is not None and self.rejects.count:
            self.report.reject_file = str(self.rejects.path)
        return self.report

    def _get(self, cells: list, name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return ""
        return cell_text(cells[index])

    def parse(self, cells: list) -> tuple[dict, list[str]]:
        """A row's stored values (only those the row gives) and the reasons it cannot be used."""
        get = lambda name: self._get(cells, name)  # noqa: E731
        reasons: list[str] = []
        row: dict = {}

        def attempt(fn, *args):
            try:
                return fn(*args)
            except BadValue as exc:
                reasons.append(str(exc))
                return None

        uscc_text, reg_text = get("uscc"), get("registration_number")
        compact = re.sub(r"[\s-]", "", uscc_text)
        if len(compact) == 15:  # a registration number in the USCC column
            reg_text, uscc_text = reg_text or compact, ""
        uscc = attempt(parse_uscc, uscc_text) if uscc_text else None
        reg = attempt(parse_registration_number, reg_text) if reg_text else None
        if not uscc_text and not reg_text:
            reasons.append(_("The unified social credit code (or registration number) is missing"))
        row.update(uscc=uscc, registration_number=reg, ident=uscc or reg)

        name = get("name")
        if not name:
            reasons.append(_("The name is missing"))
        row["name"] = name
        for text_field in ("legal_representative", "address", "industry", "industry_code", "contact"):
            value = get(text_field).upper() if text_field == "industry_code" else get(text_field)
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
        elif "business_term_end" in self.columns and self.columns["business_term_end"] < len(cells):
            pass  # blank: keep what is stored
        if self.has_tags and (value := get("tags")):
            if value in CLEAR_TAGS:
                row["tags"] = frozenset()
            else:
                names = split_tags(value)
                unknown = [n for n in names if n not in self.tag_ids]
                if unknown:
                    reasons.append(_("Unknown tag: %(names)s", names="、".join(unknown)))
                row["tags"] = frozenset(n for n in names if n in self.tag_ids)
        return row, reasons

    def _reject(self, line: int, cells: list, reasons: list[str], row: dict | None = None) -> None:
        """Rejects are buffered per batch and written in line order."""
        self.report.rejected += 1
        self.reject_buffer.append((line, cells, reasons, row))

    def _write_rejects(self) -> None:
        for line, cells, reasons, row in sorted(self.reject_buffer, key=lambda r: r[0]):
            self.rejects.write(line, cells, reasons)
            if len(self.report.rejects) < KEEP_REJECTS:
                row = row or {}
                ident = row.get("ident") or self._get(cells, "uscc") or self._get(cells, "registration_number")
                self.report.rejects.append(Reject(line, reasons, ident, self._get(cells, "name")))
        self.reject_buffer = []

    # --- batches -------------------------------------------------------------------------------

    def _flush(self) -> None:
        """One transaction per batch: its rows, its rejects (file), its keys, its checkpoint."""
        keys = self._write_batch() if self.pending else []
        self._write_rejects()
        self.seen.add(keys)
        self.seen.commit()
        if self.before_commit:
            self.before_commit(self.report, self.last_line)
        db.session.commit()
        if self.progress:
            self.progress(self.report)

    def _write_batch(self) -> list[tuple[str, int]]:
        pending, self.pending = self.pending, []
        rows = self._drop_duplicates(pending)
        usccs = [r["uscc"] for _, _, r in rows if r["uscc"]]
        regs = [r["registration_number"] for _, _, r in rows if r["registration_number"]]
        cols = [SUBJECT.c.id, SUBJECT.c.uscc, SUBJECT.c.registration_number, *(SUBJECT.c[f] for f in DATA_FIELDS)]
        by_uscc: dict[str, dict] = {}
        by_reg: dict[str, dict] = {}
        for column, keys in ((SUBJECT.c.uscc, usccs), (SUBJECT.c.registration_number, regs)):
            for chunk in padded_chunks(keys):
                for found in db.session.execute(select(*cols).where(column.in_(chunk))).mappings():
                    found = dict(found)
                    if found["uscc"]:
                        by_uscc[found["uscc"]] = found
                    if found["registration_number"]:
                        by_reg[found["registration_number"]] = found
        stored_tags: dict[int, set[int]] = {}
        if self.has_tags:
            ids = {s["id"] for s in (*by_uscc.values(), *by_reg.values())}
            for chunk in padded_chunks(sorted(ids)):
                for subject_id, tag_id in db.session.execute(
                    select(subject_tag.c.subject_id, subject_tag.c.tag_id).where(subject_tag.c.subject_id.in_(chunk))
                ):
                    stored_tags.setdefault(subject_id, set()).add(tag_id)

        inserts, insert_tags, updates, changes, tag_adds, tag_removes, accepted = [], [], [], [], [], [], []
        for line, cells, row in rows:
            stored = (by_uscc.get(row["uscc"]) if row["uscc"] else None) or (
                by_reg.get(row["registration_number"]) if row["registration_number"] else None
            )
            if stored is not None and row["uscc"] and stored["uscc"] and stored["uscc"] != row["uscc"]:
                self._reject(
                    line,
                    cells,
                    [
                        _(
                            "The registration number %(reg)s belongs to another subject (%(uscc)s)",
                            reg=row["registration_number"],
                            uscc=stored["uscc"],
                        )
                    ],
                    row,
                )
                continue
            if stored is None:
                new, reasons = self._new_subject(row)
                if reasons:
                    self._reject(line, cells, reasons, row)
                    continue
                inserts.append(new)
                insert_tags.append(row.get("tags") or frozenset())
            else:
                self._update_subject(stored, row, stored_tags, updates, changes, tag_adds, tag_removes)
            accepted.append((line, row))

        if inserts:
            # Plain executemany (RETURNING with ordered parameters is row-at-a-time on SQLite).
            bulk_insert_subjects(db.session, SUBJECT, inserts)
            tagged = {new["ident"]: tags for new, tags in zip(inserts, insert_tags) if tags}
            if tagged:
                for chunk in padded_chunks(list(tagged)):
                    ids = dict(
                        db.session.execute(
                            select(SUBJECT.c.ident, SUBJECT.c.id).where(SUBJECT.c.ident.in_(chunk))
                        ).all()
                    )
                    for ident in dict.fromkeys(chunk):
                        tag_adds.extend({"subject_id": ids[ident], "tag_id": self.tag_ids[t]} for t in tagged[ident])
            self.report.created += len(inserts)
        if updates:
            values = {f: bindparam(f"v_{f}") for f in ("uscc", "registration_number", "ident", *self.update_fields)}
            db.session.execute(update(SUBJECT).where(SUBJECT.c.id == bindparam("v_id")).values(values), updates)
        if tag_removes:
            db.session.execute(
                subject_tag.delete().where(
                    subject_tag.c.subject_id == bindparam("s"), subject_tag.c.tag_id == bindparam("t")
                ),
                tag_removes,
            )
        if tag_adds:
            db.session.execute(insert(subject_tag), tag_adds)
        if changes:
            db.session.execute(insert(CHANGE), changes)
            self.report.changes += len(changes)
        return [(k, line) for line, row in accepted for k in (row["uscc"], row["registration_number"]) if k]

    def _drop_duplicates(self, pending):
        keys = [k for _, _, r in pending for k in (r["uscc"], r["registration_number"]) if k]
        earlier = self.seen.lookup(keys)
        in_batch: dict[str, int] = {}
        rows = []
        for line, cells, row in pending:
            row_keys = [k for k in (row["uscc"], row["registration_number"]) if k]
            first = next((earlier.get(k) or in_batch.get(k) for k in row_keys if k in earlier or k in in_batch), None)
            if first is not None:
                self._reject(line, cells, [_("Duplicate of line %(line)s of this file", line=first)], row)
                continue
            for k in row_keys:
                in_batch[k] = line
            rows.append((line, cells, row))
        return rows

    def _new_subject(self, row: dict) -> tuple[dict, list[str]]:
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
            new["kind"] = kind_from_uscc(row["uscc"]) or (
                SubjectKind.COOPERATIVE.value if "合作社" in row["name"] else None
            )
            if not new["kind"]:
                reasons.append(_("The kind of subject (类型) is missing"))
        return new, reasons

    def _update_subject(self, stored, row, stored_tags, updates, changes, tag_adds, tag_removes) -> None:
        merged = {f: row[f] if row.get(f) not in (None, "") else stored[f] for f in self.update_fields}
        merged["uscc"] = row["uscc"] or stored["uscc"]
        merged["registration_number"] = row["registration_number"] or stored["registration_number"]
        merged["ident"] = merged["uscc"] or merged["registration_number"]
        changed = False
        for f in ("uscc", "registration_number", *self.update_fields):
            if merged[f] != stored[f]:
                changed = True
                effective = None
                if f == "credit_class":
                    effective = merged.get("credit_assessed_on") or self.today
                changes.append(
                    {
                        "subject_id": stored["id"],
                        "field": f,
                        "old_value": as_text(stored[f]),
                        "new_value": as_text(merged[f]),
                        "effective_on": effective,
                        "source": self.report.source[:255],
                    }
                )
        if changed:
            updates.append({"v_id": stored["id"], **{f"v_{k}": v for k, v in merged.items()}})
        if "tags" in row:
            old = stored_tags.get(stored["id"], set())
            new = {self.tag_ids[t] for t in row["tags"]}
            if old != new:
                changed = True
                names = {v: k for k, v in self.tag_ids.items()}
                changes.append(
                    {
                        "subject_id": stored["id"],
                        "field": "tags",
                        "old_value": as_text({names[t] for t in old}),
                        "new_value": as_text({names[t] for t in new}),
                        "effective_on": None,
                        "source": self.report.source[:255],
                    }
                )
                tag_removes.extend({"s": stored["id"], "t": t} for t in old - new)
                tag_adds.extend({"subject_id": stored["id"], "tag_id": t} for t in new - old)
        if changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1


def import_subject_file(
    path: str | Path,
    reject_path: str | Path | None = None,
    batch_size: int = 2000,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import a CSV/.xlsx file; rejected rows (with line and reason) go to ``reject_path`` when given.

    Raises :class:`TableError` when the file as a whole cannot be read."""
    path = Path(path)
    with default_locale(), open_table(path) as table:
        writer = RejectWriter(reject_path, table.header)
        importer = SubjectImporter(
            table.header, source=path.name, reject_writer=writer, batch_size=batch_size, progress=progress
        )
        importer.feed(table.rows)
        report = importer.finish()
        report.blank_lines = table.blank_lines
    return report
