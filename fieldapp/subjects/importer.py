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

Reading and checking each row is ``rows.py``; this module batches the rows and writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import BindParameter, bindparam, insert, select, update

from .. import clock
from ..auth.territory import county_name
from ..core.csv_records import Unreadable
from ..extensions import db, table_of
from ..search_objects import search_key
from .import_report import ImportReport, Reject, SeenKeys, as_text, duplicate_reason, padded_chunks
from .rows import DATA_FIELDS, RowReader, check_columns, new_subject, table_columns
from .models import Subject, SubjectChange, subject_tag
from .search_ddl import bulk_insert_subjects, ensure_search_ddl
from .tables import RejectWriter, default_locale, open_table, place
from .vocabulary import ensure_tags

SUBJECT = table_of(Subject)
CHANGE = table_of(SubjectChange)

KEEP_REJECTS = 500  # rejects kept in the report for display; all of them go to the rejects file


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
        sheets: Sequence[str] = (),
        reach: set[str] | None = None,
    ) -> None:
        """``before_commit(report, last_line)`` runs inside each batch's transaction (a job's checkpoint);
        ``sheets`` are the names of a workbook's table sheets (a reject names its sheet); ``reach``: the
        counties the uploader's bureau governs (None: every one) — a row of another's is refused."""
        self.reach = reach
        self.columns, unknown = check_columns(header)
        self.sheets = list(sheets)
        self.report = ImportReport(source=source, unknown_headers=unknown)
        self.rejects = reject_writer or RejectWriter(None, header, sheets)
        self.batch_size = batch_size
        self.today = today or clock.today()
        self.progress = progress
        self.tag_ids = {name: tag.id for name, tag in ensure_tags().items()}
        ensure_search_ddl(db.session.connection())
        db.session.commit()
        self.update_fields = [f for f in DATA_FIELDS if self._column_for(f) in self.columns]
        self.has_tags = "tags" in self.columns
        self.reader = RowReader(self.columns, self.tag_ids, header)
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
        return self.reader.get(cells, name)

    def parse(self, cells: list) -> tuple[dict, list[str]]:
        """A row's stored values (only those the row gives) and the reasons it cannot be used."""
        if isinstance(cells, Unreadable):  # e.g. an unclosed quote: the file's line itself is broken
            return {}, [cells.reason]
        return self.reader.parse(cells)

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
                sheet, number = place(line, self.sheets)
                self.report.rejects.append(Reject(number, reasons, ident, self._get(cells, "name"), sheet))
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
        by_uscc, by_reg, stored_tags = self._stored(rows)
        inserts: list[dict] = []  # a new subject's columns each
        insert_tags: list[frozenset[str]] = []  # and its tag names
        updates: list[dict] = []  # parameters of the UPDATE (``v_<column>``)
        changes: list[dict] = []  # SubjectChange rows
        tag_adds: list[dict] = []  # subject_tag rows
        tag_removes: list[dict] = []  # subject_tag keys (``s``, ``t``)
        accepted: list[tuple[int, dict]] = []
        for line, cells, row in rows:
            stored = (by_uscc.get(row["uscc"]) if row["uscc"] else None) or (
                by_reg.get(row["registration_number"]) if row["registration_number"] else None
            )
            if stored is not None and row["uscc"] and stored["uscc"] and stored["uscc"] != row["uscc"]:
                reason = _(
                    "The registration number %(reg)s belongs to another subject (%(uscc)s)",
                    reg=row["registration_number"],
                    uscc=stored["uscc"],
                )
                self._reject(line, cells, [reason], row)
                continue
            if stored is None:
                new, reasons = new_subject(row)
                if reasons or (outside := self._outside(new["division_code"])):
                    self._reject(line, cells, reasons or [outside], row)
                    continue
                inserts.append(new)
                insert_tags.append(row.get("tags") or frozenset())
            else:
                if outside := self._outside(stored["division_code"], row.get("division_code")):
                    self._reject(line, cells, [outside], row)
                    continue
                self._update_subject(stored, row, stored_tags, updates, changes, tag_adds, tag_removes)
            accepted.append((line, row))
        if inserts:
            self._insert(inserts, insert_tags, tag_adds)
        self._write_changes(updates, tag_removes, tag_adds, changes)
        return [(k, line) for line, row in accepted for k in (row["uscc"], row["registration_number"]) if k]

    def _outside(self, *divisions: str | None) -> str:
        """Why a row is refused when a county it names lies outside the uploader's reach, else ''."""
        for code in divisions:
            if self.reach is not None and code and code not in self.reach:
                return _("%(county)s is outside your bureau's area", county=county_name(code))
        return ""

    def _stored(self, rows) -> tuple[dict[str, dict], dict[str, dict], dict[int, set[int]]]:
        """The stored subjects the rows name (by USCC, by registration number) and their tags."""
        usccs = [r["uscc"] for _, _, r in rows if r["uscc"]]
        regs = [r["registration_number"] for _, _, r in rows if r["registration_number"]]
        cols = [SUBJECT.c.id, SUBJECT.c.uscc, SUBJECT.c.registration_number, *(SUBJECT.c[f] for f in DATA_FIELDS)]
        by_uscc: dict[str, dict] = {}
        by_reg: dict[str, dict] = {}
        for column, keys in ((SUBJECT.c.uscc, usccs), (SUBJECT.c.registration_number, regs)):
            for chunk in padded_chunks(keys):
                for mapping in db.session.execute(select(*cols).where(column.in_(chunk))).mappings():
                    found = dict(mapping)
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
        return by_uscc, by_reg, stored_tags

    def _insert(self, inserts: list[dict], insert_tags: list, tag_adds: list[dict]) -> None:
        """The new subjects (plain executemany: RETURNING with ordered parameters is row-at-a-time on
        SQLite); their tags join ``tag_adds`` once their ids are known."""
        bulk_insert_subjects(db.session, SUBJECT, inserts)
        tagged = {new["ident"]: tags for new, tags in zip(inserts, insert_tags) if tags}
        for chunk in padded_chunks(list(tagged)) if tagged else []:
            ids = dict(
                db.session.execute(select(SUBJECT.c.ident, SUBJECT.c.id).where(SUBJECT.c.ident.in_(chunk))).all()
            )
            for ident in dict.fromkeys(chunk):
                tag_adds.extend({"subject_id": ids[ident], "tag_id": self.tag_ids[t]} for t in tagged[ident])
        self.report.created += len(inserts)

    def _write_changes(self, updates: list, tag_removes: list, tag_adds: list, changes: list) -> None:
        if updates:
            values: dict[str, BindParameter] = {
                f: bindparam(f"v_{f}") for f in ("uscc", "registration_number", "ident", *self.update_fields)
            }
            if "name" in values:  # the name's search form with it (an UPDATE gets no column default)
                values["name_key"] = bindparam("v_name_key")
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

    def _drop_duplicates(self, pending: list[tuple[int, list, dict]]) -> list[tuple[int, list, dict]]:
        keys = [k for _, _, r in pending for k in (r["uscc"], r["registration_number"]) if k]
        earlier = self.seen.lookup(keys)
        in_batch: dict[str, int] = {}
        rows: list[tuple[int, list, dict]] = []
        for line, cells, row in pending:
            row_keys = [k for k in (row["uscc"], row["registration_number"]) if k]
            first = next((earlier.get(k) or in_batch.get(k) for k in row_keys if k in earlier or k in in_batch), None)
            if first is not None:
                self._reject(line, cells, [duplicate_reason(first, self.sheets)], row)
                continue
            for k in row_keys:
                in_batch[k] = line
            rows.append((line, cells, row))
        return rows

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
            if "name" in merged:
                updates[-1]["v_name_key"] = search_key(merged["name"])
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
    with default_locale(), open_table(path, table_columns) as table:
        writer = RejectWriter(reject_path, table.header, table.sheets)
        importer = SubjectImporter(
            table.header,
            source=path.name,
            reject_writer=writer,
            batch_size=batch_size,
            progress=progress,
            sheets=table.sheets,
        )
        importer.feed(table.rows)
        report = importer.finish()
        report.blank_lines = table.blank_lines
    return report
