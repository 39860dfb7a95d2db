"""Recompute a draw and report the first difference: from a bundle and pool file, or from the
database (``flask draw verify ID``), where a changed pool, seed or selection is detected."""

from __future__ import annotations

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


def verify_bundle(bundle: dict, pool: bytes) -> Report:
    report = Report()
    problems = report.problems
    digest = hashlib.sha256(pool).hexdigest()
    if digest != bundle["pool"]["sha256"]:
        problems.append(f"pool hash: the file has {digest}, the draw published {bundle['pool']['sha256']}")
    entries = algorithm.parse_pool_file(pool)
    if entries != sorted(entries) or algorithm.pool_file(entries) != pool:
        problems.append("pool file: not canonical (sorted ID,CLASS lines)")
    sizes = {c: 0 for c in algorithm.CLASSES}
    for _, cls in entries:
        if cls not in sizes:
            problems.append(f"pool file: unknown class {cls!r}")
            return report
        sizes[cls] += 1
    for cls in algorithm.CLASSES:
        if sizes[cls] != bundle["pool"]["class_sizes"].get(cls, 0):
            problems.append(
                f"N_{cls}: the file has {sizes[cls]}, the draw published {bundle['pool']['class_sizes'].get(cls, 0)}"
            )
    multipliers = {c: Decimal(v) for c, v in bundle["multipliers"].items()}
    counts = algorithm.compute_counts(sizes, bundle["ratio"], bundle["fixed_count"], multipliers)
    for name, recomputed in (("quotas", counts.quotas), ("topups", counts.topups)):
        for cls in algorithm.CLASSES:
            if recomputed[cls] != bundle[name].get(cls, 0):
                problems.append(f"{name} {cls}: recomputed {recomputed[cls]}, published {bundle[name].get(cls, 0)}")
    if bundle.get("seed") is None:
        problems.append("the seed is not public yet: the selection cannot be recomputed")
        return report
    seed = bytes.fromhex(bundle["seed"])
    if hashlib.sha256(seed).hexdigest() != bundle["commitment"]["sha256"]:
        problems.append("seed: its SHA-256 is not the published commitment")
    e = algorithm.effective_seed(seed, bundle["witness"] or "")
    if e.hex() != bundle["effective_seed"]:
        problems.append("effective seed: SHA-256(seed ‖ witness) differs from the published one")
    report.selection = algorithm.select(entries, counts, e)
    published = bundle["selection"] or []
    for position, (mine, theirs) in enumerate(zip(report.selection, published), start=1):
        if (mine.ident, mine.credit_class, mine.key.hex()) != (theirs["id"], theirs["class"], theirs["key"]):
            problems.append(
                f"selection #{position}: recomputed {mine.ident} {mine.credit_class} {mine.key.hex()[:16]}…, "
                f"published {theirs['id']} {theirs['class']} {theirs['key'][:16]}…"
            )
            break
    if len(report.selection) != len(published):
        problems.append(f"selection size: recomputed {len(report.selection)}, published {len(published)}")
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
            (m.unit_code, position, cert) for m in matches[sel["id"]] for position, (cert, _, _) in enumerate(m.picked)
        ]
        theirs = [(i["team"], i["position"], i["certificate"]) for i in sel["inspectors"]]
        if sorted(mine) != sorted(theirs):
            report.problems.append(f"inspectors of {sel['id']}: recomputed {mine}, published {theirs}")
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
