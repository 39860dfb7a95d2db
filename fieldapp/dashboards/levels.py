"""Dashboards at any level: a bureau's figures, and the same figures for each area directly under it.

A provincial supervisor's dashboard shows the province and one row per city; a city's row leads to
the city's dashboard with one row per county (and branch); a county's to the county's own. Each row
carries the legal-clock figures of its whole subtree: coverage against the 3% floor, publication
against 100%, results past their 20-working-day publication date (and those published after it), open
follow-up cases and those past their rectification deadline.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..auth.models import Unit, UnitKind
from ..auth.territory import divisions_under, subtree_ids, territory_of
from ..extensions import db
from . import queries
from .queries import Rate


@dataclass
class Area:
    """One unit's figures over the counties of its subtree."""

    unit: Unit
    coverage: Rate
    publication: Rate
    overdue: int
    due_soon: int
    open_cases: int
    late: int = 0  # published, but after the 20 working days
    overdue_cases: int = 0  # open follow-up cases past their 整改期限

    @property
    def name(self) -> str:
        return self.unit.area_name or self.unit.name

    @property
    def has_areas_below(self) -> bool:
        return not self.unit.is_county_level

    @property
    def coverage_met(self) -> bool | None:
        """At least 3% of the operating enterprises inspected; ``None`` when there are none."""
        return self.coverage.ratio >= queries.COVERAGE_FLOOR if self.coverage.total else None

    @property
    def publication_met(self) -> bool | None:
        """Every result published; ``None`` when there is no result yet."""
        return self.publication.done == self.publication.total if self.publication.total else None


def is_area_unit(unit: Unit) -> bool:
    """A bureau or branch has a dashboard of its own; a department belongs to its bureau's."""
    return unit.kind != UnitKind.DEPARTMENT


def areas_below(focus: Unit) -> list[Unit]:
    """The city bureaus, county bureaus and branches directly under ``focus`` (none under a county)."""
    if focus.is_county_level:
        return []
    units = db.session.scalars(select(Unit).where(Unit.parent_id == focus.id, Unit.kind != UnitKind.DEPARTMENT)).all()
    return sorted(units, key=lambda u: (u.division_code or "", u.code))


def trail(focus: Unit, top: Unit) -> list[Unit]:
    """The units from ``top`` (the user's bureau) down to ``focus``, both included."""
    chain = [focus]
    while chain[-1].id != top.id and chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    return chain[::-1]


def choosable(top: Unit) -> list[tuple[Unit, int]]:
    """Every area in ``top``'s subtree with its depth below ``top``, in tree order (for the picker)."""
    ids = subtree_ids(top.id)
    units = db.session.scalars(select(Unit).where(Unit.id.in_(ids), Unit.kind != UnitKind.DEPARTMENT)).all()
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    out: list[tuple[Unit, int]] = []

    def walk(unit: Unit, depth: int) -> None:
        out.append((unit, depth))
        for child in sorted(children.get(unit.id, []), key=lambda u: (u.division_code or "", u.code)):
            walk(child, depth + 1)

    walk(top, 0)
    return out


@dataclass
class Figures:
    """The dashboard's figures for ``focus``: its own total, and one row per area below it."""

    total: Area
    rows: list[Area]
    scope: set[str] | None  # the counties covered (None: every county of the deployment)


def figures(focus: Unit, year: int, today: date) -> Figures:
    scope = territory_of(focus)
    coverage = queries.coverage_by_county(year, scope)
    publication = queries.publication_by_county(year, scope)
    clocks = queries.publication_clocks_by_county(year, scope, today)
    late = queries.late_publications_by_county(year, scope)
    cases = queries.open_cases_by_unit(subtree_ids(focus.id), today)

    def area(unit: Unit, codes: Collection[str], unit_ids: Collection[int]) -> Area:
        return Area(
            unit=unit,
            coverage=_sum(coverage.get(c) for c in codes),
            publication=_sum(publication.get(c) for c in codes),
            overdue=sum(clocks.get(c, (0, 0))[0] for c in codes),
            due_soon=sum(clocks.get(c, (0, 0))[1] for c in codes),
            open_cases=sum(cases.get(i, (0, 0))[0] for i in unit_ids),
            overdue_cases=sum(cases.get(i, (0, 0))[1] for i in unit_ids),
            late=sum(late.get(c, 0) for c in codes),
        )

    rows = [area(u, divisions_under(u), subtree_ids(u.id)) for u in areas_below(focus)]
    total = area(focus, list(coverage), subtree_ids(focus.id))
    return Figures(total, rows, scope)


def _sum(rates) -> Rate:
    found = [r for r in rates if r is not None]
    return Rate(sum(r.done for r in found), sum(r.total for r in found))
