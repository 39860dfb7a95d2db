"""The demo's view of an organisation file: the counties with their share of subjects, townships and
roster sizes, the departments, and the demo accounts — so any city or province gets a demo."""

from __future__ import annotations

from flask_babel import gettext as _

from dataclasses import dataclass, field
from pathlib import Path

from ..auth.accounts import username_form
from ..auth.models import COUNTY_LEVEL_KINDS, Role, UnitKind
from ..auth.organisation import OrganisationError, UnitSpec, organisation_file, read_demo, read_organisation
from ..errors import InvalidInput

_DEFAULT_TOWNS = ["城关镇", "东关街道", "西关街道", "新城镇", "北关乡"]


@dataclass
class DemoCounty:
    code: str  # the division code
    area: str
    share: float
    staff: int
    towns: list[str]
    city_area: str  # XX市
    city_short: str  # XX
    address_area: str  # the county in an address (empty for a zone whose addresses name none)
    name_area: str  # the county in a firm's name
    shop_area: str  # the county in a shop's name
    unit: str = ""  # the unit's code in the organisation file (140602, or dt-pc)


@dataclass
class DemoOrg:
    counties: list[DemoCounty]
    departments: list[str]
    unit_names: dict[str, str]
    division_of: dict[str, str]  # unit code → division code used in certificate numbers
    province: str = ""
    province_short: str = ""
    accounts: list[tuple[str, str, str, str]] = field(default_factory=list)
    inspector_accounts: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    assistants: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def county_codes(self) -> set[str]:
        return {c.code for c in self.counties}


def _city_of(spec: UnitSpec, by_code: dict[str, UnitSpec]) -> UnitSpec:
    current = spec
    while current.parent is not None:
        current = by_code[current.parent]
        if current.kind == UnitKind.CITY_BUREAU:
            return current
    return current


def _division_of(spec: UnitSpec, by_code: dict[str, UnitSpec]) -> str:
    current: UnitSpec | None = spec
    while current is not None:
        if current.division:
            return current.division
        current = by_code[current.parent] if current.parent else None
    return "000000"


def demo_org(path: Path | None = None) -> DemoOrg:
    """Read ``path`` (default: the configured organisation file) for the demo generator."""
    path = path or organisation_file()
    specs = read_organisation(path)
    extra = read_demo(path)
    by_code = {s.code: s for s in specs}
    counties = []
    for spec in specs:
        if spec.kind not in COUNTY_LEVEL_KINDS:
            continue
        demo = spec.demo
        city = _city_of(spec, by_code)
        city_area = city.area if city.kind == UnitKind.CITY_BUREAU else ""
        address_area = str(demo.get("address_area", spec.area))
        counties.append(
            DemoCounty(
                code=spec.division or spec.code,
                area=spec.area,
                share=float(demo.get("share", 1.0)),
                staff=int(demo.get("staff", 8)),
                towns=list(demo.get("towns") or _DEFAULT_TOWNS),
                city_area=city_area,
                city_short=city_area.removesuffix("市") or spec.area,
                address_area=address_area,
                name_area=str(demo.get("name_area", spec.area)),
                shop_area=str(demo.get("shop_area", spec.area)),
                unit=spec.code,
            )
        )
    if not counties:
        raise OrganisationError(_("The organisation has no county-level unit to put demo subjects in."))
    province = str(extra.get("province", ""))
    org = DemoOrg(
        counties=counties,
        departments=[s.code for s in specs if s.kind == UnitKind.DEPARTMENT],
        unit_names={s.code: s.name for s in specs},
        division_of={s.code: _division_of(s, by_code) for s in specs},
        province=province,
        province_short=province.removesuffix("省").removesuffix("自治区").removesuffix("市") or counties[0].city_short,
    )
    fields = extra.get("inspector_fields") or {}
    for username, name, role, unit in extra.get("accounts") or []:
        org.accounts.append(_demo_account(str(username), str(name), str(role), str(unit), by_code))
        if role == "inspector":
            org.inspector_accounts.append((str(name), str(unit), str(username), list(fields.get(username) or ["计量"])))
    org.assistants = [(str(n), str(u), str(k)) for n, u, k in extra.get("assistants") or []]
    return org


def _demo_account(username: str, name: str, role: str, unit: str, by_code: dict[str, UnitSpec]):
    """An account of the demo block, by the rules every account follows (``auth.accounts``): a username
    written as the login form takes it, a role and a unit of the organisation."""
    try:
        username = username_form(username)
    except InvalidInput as exc:
        raise OrganisationError(_("Demo account %(username)s: %(why)s", username=username, why=exc.text())) from None
    if role not in {r.value for r in Role}:
        raise OrganisationError(_("Demo account %(username)s: no such role %(role)s.", username=username, role=role))
    if unit not in by_code:
        raise OrganisationError(
            _("Demo account %(username)s: no unit %(unit)s in the file.", username=username, unit=unit)
        )
    return username, name, role, unit


def demo_county_supervisors(org: DemoOrg | None = None) -> dict[str, str]:
    """Division code → username of the demo supervisor of each county that has one."""
    org = org or demo_org()
    return {
        org.division_of[unit]: username
        for username, _, role, unit in org.accounts
        if role == "supervisor" and org.division_of.get(unit) in org.county_codes
    }


def demo_field_inspectors(org: DemoOrg | None = None) -> list[str]:
    """The usernames of the demo inspectors of county units: their visits stay on the phones."""
    org = org or demo_org()
    return [
        u for u, _, role, unit in org.accounts if role == "inspector" and org.division_of.get(unit) in org.county_codes
    ]
