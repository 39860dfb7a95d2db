"""The window of a plan's task, from the text of its 抽取日期 / 抽查时间 cell: a range of months (4月-11月),
a quarter or quarters (第二、三季度), a half year, 全年, a deadline (6月底前). Pure; problems as codes with
parameters, as :mod:`fieldapp.plans.cells` gives them."""

from __future__ import annotations

import re

from .cells import CN_NUMERALS, normalise, small_number

_WINDOW = re.compile(
    r"(?:\d{4}\s*年)?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月?(?:\s*\d{1,2}\s*日|\s*(?:初|上旬|中旬|下旬))?"
    r"\s*(?:-|－|—|–|~|～|至|到)\s*"
    r"(?:\d{4}\s*年)?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?:\s*\d{1,2}\s*日)?(?:\s*(?:底|末|前|中旬|上旬|下旬))?"
)
_SINGLE_MONTH = re.compile(
    r"^(?:\d{4}\s*年)?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?:份)?(?:\s*\d{1,2}\s*日|\s*(?:初|上旬|中旬|下旬))?$"
)
_RANGE_MARK = "(?:-|－|—|–|~|～|至|到)"
# 6月底前, 6月30日前, 9月底以前, 于10月底前完成, 即日起至11月底: a deadline, not a window
_DEADLINE = re.compile(
    r"^(?:于)?(?:\d{4}\s*年)?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?:份)?\s*(?:底|末|\d{1,2}\s*日)?\s*"
    r"(?:前|以前|之前)(?:完成)?$"
    r"|^(?:自|从)?即日起\s*(?:至|到)\s*(?:\d{4}\s*年)?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?:份)?\s*(?:底|末|\d{1,2}\s*日)?$"
)
_YEAR_ROUND = ("全年", "1月-12月", "1-12月", "全年度", "本年度", "年内", "年度内")
_BY_YEAR_END = ("年底前", "年底以前", "年末前", "年底")  # a deadline in December, as 12月底前
# 2024年, 2024年度: the plan's year, all of it
_YEAR_ONLY = re.compile(r"^\d{4}\s*年度?(?:内|全年)?$")
# 上半年完成, 全年开展: what is to be done in the window, after it
_DOING = re.compile(r"(?:完成|开展|实施|组织实施)$")
# 全年（分两批）: a remark in brackets, read without it and pointed out
_REMARK = re.compile(r"\s*\(([^()]*)\)\s*")
_NUMERIC_DATE = re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})(?:\s*[-./]\s*\d{1,2})?(?:\s+[\d:]+)?(?![\d])")
_HALF_YEARS = {"上半年": (1, 6), "下半年": (7, 12)}
_QUARTER_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# 第三季度, 三季度, 第2-3季度, 第二至第四季度, 二、三季度
_QUARTERS = re.compile(
    r"^(?:\d{4}\s*年)?\s*第?\s*([一二三四1-4])\s*(?:季度)?"
    r"(?:\s*(?:-|－|—|–|~|～|至|到|、)\s*第?\s*([一二三四1-4]))?\s*季度(?:内|末|前)?$"
)


_QUARTER_LIST = re.compile(
    r"^(?:\d{4}\s*年)?((?:第?\s*[一二三四1-4]\s*(?:季度)?\s*、\s*)+第?\s*[一二三四1-4])\s*季度(?:内|末|前)?$"
)


def _listed_quarters(raw: str) -> list[int]:
    """The quarters of a list with 、 (二、四季度, 第二季度、第四季度), in order; [] for any other text."""
    match = _QUARTER_LIST.match(raw)
    if not match:
        return []
    parts = re.split(r"\s*、\s*", re.sub(r"第|季度|\s", "", match.group(1)))
    numbers = [_QUARTER_NUMBERS[part] for part in parts]
    return numbers if numbers == sorted(set(numbers)) else []


def parse_window(text: str) -> tuple[int | None, int | None, list[tuple[str, dict]]]:
    """``4月-11月`` → (4, 11); ``6月`` → (6, 6); ``全年`` → (1, 12). Problems for anything else."""
    raw = normalise(text)
    if not raw:
        return None, None, [("window_missing", {})]
    start, end, problems = _parse(raw)
    remark = _REMARK.search(raw)
    if problems and problems[0][0] == "window_unreadable" and remark and (bare := _REMARK.sub("", raw)):
        with_remark = _parse(bare)  # 全年（分两批）: the window without its remark, which is pointed out
        if with_remark[0] is not None:
            start, end, problems = (
                with_remark[0],
                with_remark[1],
                [*with_remark[2], ("window_remark", {"remark": remark.group(1)})],
            )
    return (
        start,
        end,
        [
            (code, {**params, "text": raw}) if "text" in params or code == "window_remark" else (code, params)
            for code, params in problems
        ],
    )


def _parse(raw: str) -> tuple[int | None, int | None, list[tuple[str, dict]]]:
    raw = _NUMERIC_DATE.sub(lambda m: f"{m.group(1)}年{m.group(2)}月", raw)  # 2023-04-01, 2023.4 → 2023年4月
    raw = _DOING.sub("", raw) or raw
    if raw in _YEAR_ROUND or _YEAR_ONLY.match(raw):
        return 1, 12, []
    if raw in _BY_YEAR_END:
        return 1, 12, [("window_deadline", {"text": raw, "end": 12})]
    if raw in _HALF_YEARS:
        return (*_HALF_YEARS[raw], [])
    # 2024年9月至11: the closing 月 left off at the end, as the opening one says months
    raw = re.sub(rf"(月\s*{_RANGE_MARK}\s*(?:\d{{1,2}}|[{CN_NUMERALS}]{{1,3}}))$", r"\1月", raw)
    if deadline := _DEADLINE.match(raw):
        end = small_number(deadline.group(1) or deadline.group(2))
        if end is not None and 1 <= end <= 12:
            # only the end is given: read from January, and ask for the start to be confirmed
            return 1, end, [("window_deadline", {"text": raw, "end": end})]
    if listed := _listed_quarters(raw):
        # 一、二、三季度: one window; 二、四季度 (not one after another): the span, asked, for it covers the third
        gaps = listed != list(range(listed[0], listed[-1] + 1))
        problems = [("window_quarters_apart", {"text": raw})] if gaps else []
        return listed[0] * 3 - 2, listed[-1] * 3, problems
    if quarters := _QUARTERS.match(raw):
        first = _QUARTER_NUMBERS[quarters.group(1)]
        last = _QUARTER_NUMBERS[quarters.group(2) or quarters.group(1)]
        if first <= last and raw.endswith("前"):  # 第三季度前: by the quarter's end, from January, asked
            return 1, last * 3, [("window_deadline", {"text": raw, "end": last * 3})]
        if first <= last:
            return first * 3 - 2, last * 3, []
        return None, None, [("window_reversed", {"text": raw})]
    match = _WINDOW.search(raw) or _SINGLE_MONTH.match(raw)
    if not match:
        return None, None, [("window_unreadable", {"text": raw})]
    start = small_number(match.group(1))
    end = small_number(match.group(2)) if match.lastindex and match.lastindex >= 2 else start
    if start is None or end is None or not (1 <= start <= 12 and 1 <= end <= 12):
        return None, None, [("window_unreadable", {"text": raw})]
    if start > end:
        return None, None, [("window_reversed", {"text": raw})]
    return start, end, []
