"""What review makes of the result code table (抽查检查结果) and 后续处置措施: labels as stored and
exported, the measures findings call for, and which results need follow-up or are serious. The
table itself belongs to the checklist engine (``checklists/results.py``); this module only asks it."""

from __future__ import annotations

from ..checklists.results import result_table, split_codes

__all__ = [
    "UNREACHABLE",
    "is_serious",
    "measure_labels",
    "measures_for_findings",
    "needs_follow_up",
    "result_label",
    "split_codes",
]

NO_FOLLOW_UP_CODE = "none"
UNREACHABLE = "6"  # 通过登记的住所（经营场所）无法联系 → 经营异常名录
# Results serious enough for the joint-punishment list (联合惩戒): fraud in public information,
# serious non-cooperation, and anything sent to a case-handling body or with a serious finding.
SERIOUS_RESULTS = {"C", "8"}
SERIOUS_MEASURE_MARKERS = ("移送办案机构",)


def measures_for_findings(findings: list[dict]) -> list[str]:
    """The 后续处置措施 the findings call for when the inspector chose none: the checklist's
    follow-up of each finding mapped through the code table; none needed without findings."""
    table = result_table()
    if not findings:
        none = table.measures.get(NO_FOLLOW_UP_CODE)
        return [none.label.zh] if none else []
    wanted = {str(f.get("follow_up") or "") for f in findings}
    return [m.label.zh for m in table.measures.values() if wanted & set(m.follow_ups)]


def measure_labels(values: list[str]) -> list[str]:
    """后续处置措施 as their official wording, whether the body stored codes (``order``) or labels."""
    measures = result_table().measures
    return [measures[str(v)].label.zh if str(v) in measures else str(v) for v in values or [] if v]


def result_label(code: str | None) -> str:
    """The official (Chinese) wording of comma-joined result codes; "—" for none."""
    return result_table().text(code).zh or "—"


def result_words(code: str | None) -> str:
    """Result codes in the page's language (``result_label`` keeps the official Chinese for print and export)."""
    return result_table().text(code).get() or "—"


def needs_follow_up(result_code: str | None, measures: list[str], findings: list[dict]) -> bool:
    """Whether a result needs a follow-up case: as its category says (发现问题待后续处理 does,
    未发现问题 does not), else a finding needs one unless every measure chosen says none is needed."""
    said = result_table().calls_for_follow_up(result_code)
    if said is not None:
        return said
    if any(f.get("follow_up") for f in findings):
        return True
    return any(m and "无需后续处置" not in m for m in measures)


def is_serious(result_code: str | None, measures: list[str], findings: list[dict]) -> bool:
    if SERIOUS_RESULTS & set(split_codes(result_code)):
        return True
    if any(marker in m for m in measures for marker in SERIOUS_MEASURE_MARKERS):
        return True
    return any(f.get("severity") == "serious" for f in findings)
