"""The JSON bundle of a draw: everything needed, with the pool file, to recompute it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from json.encoder import encode_basestring as quote  # a string as canonical_json writes it

from sqlalchemy import Select, select

from .. import events
from ..auth.models import Unit
from ..extensions import attributes, db
from . import chain, queries, rules
from .algorithm import ALGORITHM_1, unmatched_codes
from .commitments import external_of
from .files import canonical_json, sha256_hex
from .models import Draw, DrawAssignment, DrawSelection

BUNDLE_FORMAT = "fieldapp-draw-bundle/1"
BUNDLE_FORMAT_2 = "fieldapp-draw-bundle/2"
# Fields that change after the draw (a redraw supersedes it, replacements are added): not part of
# the hash recorded in the chain when the draw was made.
MUTABLE = ("record", "replacements")


def selection_is_public(draw: Draw) -> bool:
    """抽取对象是否公示: at once, or once every visit of the draw has an approved result."""
    if draw.task.publish_selection_at_once:
        return True
    answers = events.ask(events.draw_fieldwork_approved, draw)
    return bool(answers) and all(answers)


def _iso(value) -> str | None:
    """Dates as ``YYYY-MM-DD``; moments in UTC as published (``rules.published_time``)."""
    if isinstance(value, datetime):
        return rules.published_time(value)
    return value.isoformat() if value is not None else None


def assignments_of(draw: Draw) -> Sequence[DrawAssignment]:
    return db.session.scalars(
        select(DrawAssignment)
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .where(DrawSelection.draw_id == draw.id)
        .order_by(DrawAssignment.id)
    ).all()


def build_bundle(draw: Draw, reveal: bool | None = None) -> dict:
    """The bundle; with ``reveal`` False the seed, witness and selection are withheld (they
    would let anyone compute the selection before it may be published)."""
    if reveal is None:
        reveal = selection_is_public(draw)
    if draw.algorithm != ALGORITHM_1:
        return _bundle_2(draw, reveal)
    return _bundle_1(draw, reveal)


def _bundle_1(draw: Draw, reveal: bool) -> dict:
    """The bundle of a draw of algorithm 1 (fieldapp-draw-bundle/1), unchanged."""
    bundle = {
        "format": BUNDLE_FORMAT,
        "algorithm": draw.algorithm,
        "draw": _draw_part(draw),
        "commitment": _commitment_part(draw.commitment),
        **_revealed(draw, reveal),
        "pool": {"sha256": draw.pool_sha256, "size": draw.pool_size, "class_sizes": draw.class_sizes},
        **_numbers(draw),
        "selection": None,
        "teams": None,
        "replacements": None,
    }
    if not reveal:
        return bundle
    assignments = assignments_of(draw)
    by_selection: dict[int, list[DrawAssignment]] = {}
    for a in assignments:
        by_selection.setdefault(a.selection_id, []).append(a)
    codes = {t["unit"]: t for t in draw.teams}
    unit_codes = {a.team_unit_id: a.team_unit.code for a in assignments}
    selection = []
    for sel in draw.selections:
        original = [a for a in by_selection.get(sel.id, []) if a.replaces_id is None]
        selection.append(
            {
                "id": sel.ident,
                "class": sel.credit_class,
                "key": sel.key_hex,
                "topup": sel.topup,
                "unmatched": sel.unmatched_reason,
                "inspectors": [
                    {
                        "team": unit_codes[a.team_unit_id],
                        "position": a.position,
                        "rank": a.rank,
                        "certificate": a.certificate_number,
                        "name": a.inspector.name,
                        "key": a.key_hex,
                    }
                    for a in original
                ],
            }
        )
    bundle["selection"] = selection
    bundle["teams"] = [{k: v for k, v in team.items()} for team in draw.teams if team["unit"] in codes]
    bundle["replacements"] = [  # the fields of fieldapp-draw-bundle/1
        {k: v for k, v in entry.items() if k not in ("skipped", "record")} for entry in replacement_entries(draw)
    ]
    return bundle


def _commitment_part(commitment) -> dict:
    return {
        "sequence": commitment.sequence,
        "sha256": commitment.commitment_hex,
        "published_at": _iso(commitment.created_at),
    }


def _revealed(draw: Draw, reveal: bool) -> dict:
    """The seed, the witness string and the effective seed: withheld until the selection is public."""
    return {
        "seed": draw.commitment.seed_hex if reveal else None,
        "witness": draw.witness if reveal else None,
        "effective_seed": draw.effective_seed_hex if reveal else None,
    }


def _numbers(draw: Draw) -> dict:
    """The task's numbers as drawn and the counts they gave."""
    return attributes(draw, "ratio", "fixed_count", "multipliers", "total_floor", "quotas", "topups")


def heading(task, unit) -> dict:
    """The task and unit as a bundle names them, kept with the draw when it is made (``Draw.heading``)."""
    return {
        "task": {"id": task.id, "number": task.number, "name": task.name, "plan_year": task.plan.year},
        "unit": {"code": unit.code, "name": unit.name},
    }


def _draw_part(draw: Draw) -> dict:
    named = draw.heading or heading(draw.task, draw.unit)  # (drawn before headings were kept: as now)
    return {
        "id": draw.id,
        "number": draw.number,
        "status": str(draw.status),  # the plain string (a StrEnum member in memory)
        "supersedes": draw.supersedes_id,
        "redraw_reason": draw.redraw_reason,
        "task": named["task"],
        "round": draw.round,
        "unit": named["unit"],
        "draw_date": _iso(draw.draw_date),
        "drawn_at": _iso(draw.created_at),
    }


def first_assignments(draw_id: int, *extra) -> Select:
    """The inspectors first drawn for each subject of a draw (replacements left out), in drawing
    order: (selection id, team unit code, position, rank, certificate number, key, *extra)."""
    return (
        select(
            DrawAssignment.selection_id,
            Unit.code,
            DrawAssignment.position,
            DrawAssignment.rank,
            DrawAssignment.certificate_number,
            DrawAssignment.key_hex,
            *extra,
        )
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .join(Unit, Unit.id == DrawAssignment.team_unit_id)
        .where(DrawSelection.draw_id == draw_id, DrawAssignment.replaces_id.is_(None))
        .order_by(DrawAssignment.id)
    )


def _selection_2(draw: Draw) -> list[dict]:
    """The selection without classes, read with plain rows (a draw can select tens of thousands)."""
    rows = db.session.execute(
        select(DrawSelection.id, DrawSelection.ident, DrawSelection.key_hex, DrawSelection.unmatched_reason)
        .where(DrawSelection.draw_id == draw.id)
        .order_by(DrawSelection.position)
    ).all()
    people: dict[int, list[dict]] = {}
    names = _frozen_names(draw)  # an inspector's name corrected later changes no published hash
    for sid, team, position, rank, cert, key in db.session.execute(first_assignments(draw.id)):
        people.setdefault(sid, []).append(
            {
                "team": team,
                "position": position,
                "rank": rank,
                "certificate": cert,
                "name": names[team, cert],
                "key": key,
            }
        )
    return [
        {"id": ident, "key": key, "unmatched": unmatched, "inspectors": people.get(sid, [])}
        for sid, ident, key, unmatched in rows
    ]


def _bundle_2(draw: Draw, reveal: bool, selection=None) -> dict:
    """fieldapp-draw-bundle/2: no credit class of any subject; the classed pool file is committed
    to by its hash; the eligible inspectors are a file of their own. ``selection``: put in place
    of the selection read back (see :func:`bundle_core_sha256`)."""
    commitment = draw.commitment
    lines = (draw.inspectors_file or b"").count(b"\n")
    bundle = {
        "format": BUNDLE_FORMAT_2,
        "algorithm": draw.algorithm,
        "draw": _draw_part(draw),
        "commitment": {
            **_commitment_part(commitment),
            "external": external_of(commitment),
            # A task drawn despite readiness warnings (window, empty pool …): the written reason.
            "exception_reason": commitment.exception_reason or "",
            "exceptions": list(commitment.exceptions or []),
            "record": _record(chain.record_of_commitment(commitment.id, "commitment")),
        },
        **_revealed(draw, reveal),
        "pool": {
            "sha256": draw.pool_ids_sha256,
            "classed_sha256": draw.pool_sha256,
            "size": draw.pool_size,
            "class_sizes": draw.class_sizes,
        },
        **_numbers(draw),
        "inspectors": {"sha256": draw.inspectors_sha256, "count": lines},
        "teams": None,
        "selection": None,
        "replacements": None,
        "record": None,
    }
    bundle["record"] = _record(chain.record_of_draw(draw.id))
    if not reveal:
        return bundle
    bundle["teams"] = [{k: v for k, v in team.items() if k != "inspectors"} for team in draw.teams]
    bundle["selection"] = _selection_2(draw) if selection is None else selection
    bundle["replacements"] = replacement_entries(draw)
    return bundle


def _record(record) -> dict | None:
    """A record of the public chain as the bundle gives it: its body and its hash."""
    return None if record is None else {"body": chain.body_of(record), "sha256": record.sha256}


def _frozen_names(draw: Draw) -> dict[tuple[str, str], str]:
    """Names by (team, certificate) as in the inspector file frozen with the draw (a name corrected
    later is no difference)."""
    return {(t["unit"], i["certificate"]): i["name"] for t in draw.teams for i in t.get("inspectors", [])}


def replacement_entry(draw: Draw, a: DrawAssignment, names: dict | None = None) -> dict:
    """A replacement as the bundle gives it (without its record); its chain record hashes this."""
    replaced = a.replaces
    assert replaced is not None, "only replacements"
    team = a.team_unit.code
    names = _frozen_names(draw) if names is None else names
    return {
        "id": a.selection.ident,
        "team": team,
        "replaced": replaced.certificate_number,
        "by": a.certificate_number,
        "name": names.get((team, a.certificate_number), a.inspector.name),
        "rank": a.rank,
        "reason": a.reason,
        "at": _iso(a.created_at),
        "skipped": a.skipped,
    }


def replacement_entries(draw: Draw) -> list[dict]:
    """The replacements, each with its chain record (those made before replacements were recorded
    have none, nor a list of the certificates passed over)."""
    names = _frozen_names(draw)
    records = iter(chain.replacement_records(draw.id))
    rows = []
    for a in queries.replacements(draw):
        entry = replacement_entry(draw, a, names)
        entry["record"] = _record(next(records, None)) if a.skipped is not None else None
        rows.append(entry)
    return rows


def bundle_core(bundle: dict) -> dict:
    """What the chain record of a draw hashes: the revealed bundle without the fields that change
    after the draw (its status, replacements, the record itself)."""
    core = {k: v for k, v in bundle.items() if k not in MUTABLE}
    core["draw"] = {k: v for k, v in bundle["draw"].items() if k != "status"}
    # The commitment's own record is in the chain before the draw's: not hashed again.
    core["commitment"] = {k: v for k, v in bundle["commitment"].items() if k != "record"}
    return core


def bundle_core_sha256(draw: Draw, selection: Iterable[bytes] | None = None) -> str:
    """The hash the chain record of ``draw`` carries. ``selection``: the selection's canonical
    JSON in pieces (:func:`selection_pieces`), for a draw just made: hashed as it is produced,
    neither read back nor held whole (a draw can select tens of thousands of subjects)."""
    if selection is None:
        return sha256_hex(canonical_json(bundle_core(_bundle_2(draw, reveal=True))))
    mark = f"selection {secrets.token_hex(16)}"  # where the pieces go
    core = canonical_json(bundle_core(_bundle_2(draw, reveal=True, selection=mark)))
    head, found, tail = core.partition(canonical_json(mark))
    if not found:
        raise AssertionError("the selection's place was not found in the bundle")
    digest = hashlib.sha256(head)
    for piece in selection:
        digest.update(piece)
    digest.update(tail)
    return digest.hexdigest()


PIECE = 2_000  # subjects per piece of the selection's JSON


def selection_pieces(selected: Sequence, matches: dict, names: dict[str, str]) -> Iterator[bytes]:
    """The selection of a draw just made (``algorithm.Selected`` in position order, its
    ``TeamMatch`` list by id, inspector names by certificate) exactly as :func:`_selection_2`
    reads it back, in canonical JSON, a few thousand subjects at a time.

    Written directly, keys in sorted order and strings escaped as :func:`canonical_json` escapes
    them (a test holds the two to the same bytes): a draw can select tens of thousands of subjects,
    and a dict per subject and inspector, sorted by the encoder, was most of the time it took."""
    around = _AroundKey(names)
    yield b"["
    for start in range(0, len(selected), PIECE):
        items = []
        for sel in selected[start : start + PIECE]:
            team_matches = matches[sel.ident]
            inspectors = []
            for match in team_matches:
                for place, (cert, rank, key) in enumerate(match.picked):
                    before, after = around[cert, match.unit_code, place, rank]
                    inspectors.append(before + key.hex() + after)
            items.append(
                f'{{"id":{quote(sel.ident)},"inspectors":[{",".join(inspectors)}],"key":"{sel.key.hex()}",'
                f'"unmatched":{quote(unmatched_codes(team_matches))}}}'
            )
        yield (b"," if start else b"") + ",".join(items).encode("utf-8")
    yield b"]"


class _AroundKey(dict):
    """A picked inspector's JSON before and after its key, by (certificate, team, position, rank):
    each of the few distinct ones written once, with the names by certificate."""

    def __init__(self, names: dict[str, str]):
        super().__init__()
        self.names = names

    def __missing__(self, picked: tuple[str, str, int, int]) -> tuple[str, str]:
        cert, team, place, rank = picked
        name = quote(self.names[cert])
        self[picked] = around = (
            f'{{"certificate":{quote(cert)},"key":"',
            f'","name":{name},"position":{place},"rank":{rank},"team":{quote(team)}}}',
        )
        return around
