"""Recompute a draw and report the first difference: from a bundle and pool file, or from the
database (``flask draw verify ID``), where a changed pool, seed or selection is detected."""

from __future__ import annotations

from flask_babel import gettext as _

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from . import algorithm
from .models import Draw


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    selection: list[algorithm.Selected] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def count_label(name: str) -> str:
    """The words for a recomputed count in a difference (``T`` is the algorithm's own name for the floor)."""
    return {"quotas": _("quotas"), "topups": _("top-ups")}.get(name, name)


def _pool_sizes(bundle: dict, pool: bytes, problems: list[str]) -> tuple[list, dict[str, int]] | None:
    """The pool file's entries and class sizes, its differences from the bundle noted (None: unreadable)."""
    digest = hashlib.sha256(pool).hexdigest()
    if digest != bundle["pool"]["sha256"]:
        said = _(
            "Pool hash: the file has %(digest)s, the draw published %(published)s",
            digest=digest,
            published=bundle["pool"]["sha256"],
        )
        problems.append(said)
    entries = algorithm.parse_pool_file(pool)
    if entries != sorted(entries) or algorithm.pool_file(entries) != pool:
        problems.append(_("Pool file: not canonical (sorted ID,CLASS lines)"))
    sizes = {c: 0 for c in algorithm.CLASSES}
    for _ident, cls in entries:
        if cls not in sizes:
            problems.append(_("Pool file: unknown class %(cls)s", cls=repr(cls)))
            return None
        sizes[cls] += 1
    for cls in algorithm.CLASSES:
        if sizes[cls] != bundle["pool"]["class_sizes"].get(cls, 0):
            said = _(
                "N_%(cls)s: the file has %(size)s, the draw published %(published)s",
                cls=cls,
                size=sizes[cls],
                published=bundle["pool"]["class_sizes"].get(cls, 0),
            )
            problems.append(said)
    return entries, sizes


def verify_bundle(bundle: dict, pool: bytes) -> Report:
    report = Report()
    problems = report.problems
    read = _pool_sizes(bundle, pool, problems)
    if read is None:
        return report
    entries, sizes = read
    multipliers = {c: Decimal(v) for c, v in bundle["multipliers"].items()}
    counts = algorithm.compute_counts(sizes, bundle["ratio"], bundle["fixed_count"], multipliers)
    for name, recomputed in (("quotas", counts.quotas), ("topups", counts.topups)):
        for cls in algorithm.CLASSES:
            if recomputed[cls] != bundle[name].get(cls, 0):
                said = _(
                    "%(name)s %(cls)s: recomputed %(recomputed)s, published %(published)s",
                    name=count_label(name),
                    cls=cls,
                    recomputed=recomputed[cls],
                    published=bundle[name].get(cls, 0),
                )
                problems.append(said)
    if bundle.get("seed") is None:
        problems.append(_("The seed is not public yet: the selection cannot be recomputed"))
        return report
    seed = bytes.fromhex(bundle["seed"])
    if hashlib.sha256(seed).hexdigest() != bundle["commitment"]["sha256"]:
        problems.append(_("Seed: its SHA-256 is not the published commitment"))
    e = algorithm.effective_seed(seed, bundle["witness"] or "")
    if e.hex() != bundle["effective_seed"]:
        problems.append(_("Effective seed: SHA-256(seed ‖ witness) differs from the published one"))
    report.selection = algorithm.select(entries, counts, e)
    published = bundle["selection"] or []
    for position, (mine, theirs) in enumerate(zip(report.selection, published), start=1):
        if (mine.ident, mine.credit_class, mine.key.hex()) != (theirs["id"], theirs["class"], theirs["key"]):
            ours = f"{mine.ident} {mine.credit_class} {mine.key.hex()[:16]}…"
            given = f"{theirs['id']} {theirs['class']} {theirs['key'][:16]}…"
            said = _(
                "Selection #%(position)s: recomputed %(mine)s, published %(theirs)s",
                position=position,
                mine=ours,
                theirs=given,
            )
            problems.append(said)
            break
    if len(report.selection) != len(published):
        said = _(
            "Selection size: recomputed %(recomputed)s, published %(published)s",
            recomputed=len(report.selection),
            published=len(published),
        )
        problems.append(said)
    if not problems:
        _verify_inspectors(bundle, report, e)
    return report


def _verify_inspectors(bundle: dict, report: Report, e: bytes) -> None:
    teams = [
        algorithm.Team(
            t["unit"],
            [i["certificate"] for i in t["inspectors"]],
            t["workload_cap"],
            t["unit_name"],
            dict(t.get("initial_load") or {}),
        )
        for t in bundle["teams"] or []
    ]
    conflicts: dict[str, set[str]] = {}
    for t in bundle["teams"] or []:
        for ident, certs in (t.get("conflicts") or {}).items():
            conflicts.setdefault(ident, set()).update(certs)
    matches = algorithm.match_all(report.selection, teams, e, conflicts)
    for sel in bundle["selection"]:
        mine = [
            (m.unit_code, position, cert)
            for m in matches[sel["id"]]
            for position, (cert, _rank, _key) in enumerate(m.picked)
        ]
        theirs = [(i["team"], i["position"], i["certificate"]) for i in sel["inspectors"]]
        if sorted(mine) != sorted(theirs):
            said = _(
                "Inspectors of %(ident)s: recomputed %(mine)s, published %(theirs)s",
                ident=sel["id"],
                mine=mine,
                theirs=theirs,
            )
            report.problems.append(said)
            return


def verify_stored(draw: Draw, anchor: str | None = None) -> Report:
    """Recompute from the database, against the pool files frozen at draw time (later directory
    changes and redraws of earlier rounds do not matter), and check the public chain: the
    commitment published before the draw, the draw's record, and every link up to ``anchor``
    (a head hash held outside the system)."""
    from .bundle import build_bundle
    from .operations import pool_bytes

    if draw.algorithm == algorithm.ALGORITHM_1:
        report = verify_bundle(build_bundle(draw, reveal=True), pool_bytes(draw))
    else:
        from .verify_stored import verify_draw_2

        report = verify_draw_2(draw)
    from .chain import check_chain

    report.problems += check_chain(anchor)
    return report
