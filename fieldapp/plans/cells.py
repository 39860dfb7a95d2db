"""Parsers for single cells of a plan table (the window's: :mod:`fieldapp.plans.windows`). Pure functions;
nothing here touches the database.

Each parser reads the text as printed and returns the parsed value plus the problems it saw
(as problem codes with parameters, turned into words by :mod:`fieldapp.plans.problems`).
Nothing is corrected silently: the caller keeps the original text beside the parsed value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..core.numbers import decimal_places
from .models import RATIO_PLACES

CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}


def normalise(text: str) -> str:
    """Full-width letters, digits and punctuation folded to their ASCII forms (NFKC), for matching only."""
    return unicodedata.normalize("NFKC", text or "").strip()


def compact(text: str) -> str:
    """``normalise`` without any whitespace: header cells are matched on this."""
    return re.sub(r"\s+", "", normalise(text))


def small_number(token: str) -> int | None:
    """``2``, ``２``, ``二``, ``两``, ``十二`` → int; anything else → None."""
    token = normalise(token)
    if token.isdigit():
        return int(token)
    if token and all(ch in CN_DIGITS for ch in token):
        if token == "十":
            return 10
        if token.startswith("十"):
            return 10 + CN_DIGITS[token[1]]
        if len(token) == 2 and token.endswith("十"):
            return CN_DIGITS[token[0]] * 10
        if len(token) == 3 and token[1] == "十":
            return CN_DIGITS[token[0]] * 10 + CN_DIGITS[token[2]]
        if len(token) == 1:
            return CN_DIGITS[token]
    return None


# --- ratio / count / rounds ------------------------------------------------------------------


@dataclass
class Ratio:
    ratio: Decimal | None = None  # 0.05 for 5%
    is_floor: bool = False  # 不低于 / 不少于 / ≥
    fixed_count: int | None = None  # 10户, 20家
    rounds_per_year: int = 1
    rounds_given: bool = False  # the text named a frequency
    problems: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.ratio is not None or self.fixed_count is not None


WHOLE_WORDS = ("全覆盖", "全部", "全部抽查", "100%全覆盖")
FLOOR_WORDS = ("不低于", "不少于", "不小于", "至少", "≥", ">=", "以上")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(%|‰)")
_FRACTION = re.compile(r"^\s*(?:不低于|不少于)?\s*(0\.\d+)\s*$")
_RANGE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:%|‰)?\s*(?:-|－|—|–|~|～|至|到)\s*(\d+(?:\.\d+)?)\s*(%|‰|户|家|个|批次|批|件|台|所|处)"
)
_COUNT = re.compile(r"(\d+)\s*(户|家|个|批次|批|件|台|所|处)")
_TIMES = r"(\d+|[一二两三四五六七八九十]+)\s*次"
_PERIOD = r"(半年|季度|季|年|月)"
_PER_YEAR = {"年": 1, "半年": 2, "季度": 4, "季": 4, "月": 12}
# (pattern, which group counts the times, which names the period); a period of half a year, a quarter or
# a month counts its rounds in the year: 每半年一次 → 2, 1次/季度 → 4
_ROUNDS = [
    (re.compile(rf"{_TIMES}\s*(?:/|每)\s*{_PERIOD}"), 1, 2),  # 2次/年, 1次/季度, 2次每年
    # 每半年一次, 每年不少于2次
    (re.compile(rf"(?<!半)每\s*{_PERIOD}\s*(?:抽查|检查)?\s*(?:不少于|至少)?\s*{_TIMES}"), 2, 1),
    (re.compile(rf"{_TIMES}\s*年"), 1, None),  # 2次年 (a slash left out)
    (re.compile(rf"全?(?<!半)年\s*(?:不少于|至少)?\s*{_TIMES}"), 1, None),  # 全年2次
]


def read_rounds(text: str) -> tuple[int | None, str, str]:
    """(rounds a year, the words that said it, the text without them): ``2次/年`` → 2, ``每半年一次`` → 2,
    ``1次/季度`` → 4; (None, words, rest) when they say more than 12 or cannot be counted; (None, "", text)
    when no frequency is written."""
    for pattern, times, period in _ROUNDS:
        if match := pattern.search(text):
            count = small_number(match.group(times))
            rounds = count * _PER_YEAR[match.group(period)] if count and period else count
            rest = text[: match.start()] + text[match.end() :]
            return (rounds if rounds and 1 <= rounds <= 12 else None), match.group(0), rest
    return None, "", text


def _read_percent(number: str, sign: str, result: Ratio) -> None:
    """The ratio of one ``5%`` or ``5‰`` into ``result``, or the problem with it."""
    try:
        value = Decimal(number) / (Decimal(100) if sign == "%" else Decimal(1000))
    except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
        value = None
    if value is None or value <= 0 or value > 1:
        result.problems.append(("ratio_out_of_range", {"text": number + sign}))
    elif decimal_places(value.normalize()) > RATIO_PLACES:
        result.problems.append(("ratio_too_precise", {"text": number + sign}))
    else:
        result.ratio = value


def parse_ratio(text: str) -> Ratio:
    """``不低于5%``, ``50%``, ``100%``, ``不低于5%，2次/年``, ``10户``, ``不少于20家，每年2次`` …"""
    result = Ratio()
    raw = normalise(text)
    if not raw:
        result.problems.append(("ratio_missing", {}))
        return result
    rounds, written, rest = read_rounds(raw)
    if rounds:
        result.rounds_per_year, result.rounds_given = rounds, True
    elif written:
        result.problems.append(("rounds_unreadable", {"text": written}))
    result.is_floor = any(word in raw for word in FLOOR_WORDS)
    if re.sub(r"[\s,，;；、。]", "", rest) in WHOLE_WORDS:
        result.ratio = Decimal(1)
        return result
    if (span := _RANGE.search(rest)) and Decimal(span.group(1)) < Decimal(span.group(2)):
        # 3%-5%, 3-5%, 10-20户: the least the plan asks, as a floor, for the reader to confirm
        low = f"{span.group(1)}{span.group(3)}"
        result.problems.append(("ratio_range", {"text": span.group(0), "low": low}))
        rest = rest[: span.start()] + low + rest[span.end() :]
        result.is_floor = result.is_floor or span.group(3) in ("%", "‰")
    percents = _PERCENT.findall(rest)
    counts = _COUNT.findall(rest)
    if not percents and not counts and (fraction := _FRACTION.match(rest)):
        # A spreadsheet cell typed 0.05 without the percent format.
        percent = f"{(Decimal(fraction.group(1)) * 100).normalize():f}%"
        result.problems.append(("ratio_fraction", {"text": fraction.group(1), "percent": percent}))
        percents = [(percent[:-1], "%")]
        rest = rest.replace(fraction.group(1), percent)
    if len(percents) == 1:
        number, sign = percents[0]
        _read_percent(number, sign, result)
    elif len(percents) > 1:
        result.problems.append(("ratio_ambiguous", {"text": raw}))
    if not percents and len(counts) == 1:
        count = int(counts[0][0])
        if count <= 0:
            result.problems.append(("ratio_out_of_range", {"text": raw}))
        else:
            result.fixed_count = count
    # a number beside a ratio (5%，10户) is not used: it is left over, to be pointed out
    without_ratio = _PERCENT.sub("", rest)
    leftover = re.sub(r"[\s,，;；、。()（）]", "", without_ratio if percents else _COUNT.sub("", without_ratio))
    for word in FLOOR_WORDS + ("抽查", "抽取", "比例", "数量", "的", "按", "其中"):
        leftover = leftover.replace(word, "")
    if not result.ok and not result.problems and result.rounds_given:
        # 每季度抽查1次: how often, but not how many
        result.problems.append(("ratio_rounds_only", {"text": raw, "rounds": result.rounds_per_year}))
    elif not result.ok and not result.problems:
        result.problems.append(("ratio_unreadable", {"text": raw}))
    elif result.ok and leftover:
        # Something else was written beside the ratio: keep the ratio, point the rest out.
        result.problems.append(("ratio_extra_text", {"text": leftover}))
    return result


# --- type, initiator, executor ------------------------------------------------------------------


def parse_kind(text: str) -> tuple[str | None, list[tuple[str, dict]]]:
    """定向 or 不定向, also written 不定向随机抽查, 定向（重点检查） (a remark in brackets is kept in the cell)."""
    raw = compact(text)
    core = re.sub(r"\([^()]*\)", "", raw).replace("双随机", "").replace("随机", "")
    if core and core != raw:
        raw = core
    if raw in ("定向", "定向抽查"):
        return "targeted", []
    if raw in ("不定向", "不定向抽查", "非定向"):
        return "untargeted", []
    if not raw:
        return None, [("kind_missing", {})]
    return None, [("kind_unreadable", {"text": text})]


INITIATOR_SUFFIXES = ("统一组织发起", "自行组织发起", "统一发起", "自行发起", "组织发起", "发起")
# 市局组织发起（广告科指导）, 市市场监管局（食品生产科）: the guide in brackets after the initiator
_GUIDE_IN_BRACKETS = re.compile(r"^(.+?)\s*[（(]\s*([^（()）]+?)\s*[）)]$")
GUIDE_SUFFIXES = ("指导", "负责")  # （广告科指导）, （市局林政科负责）


def split_initiator(text: str) -> tuple[str, str]:
    """``市局组织发起/计量科指导`` → (``市局``, ``计量科``). The first ``/`` divides the two; without one, a
    department in brackets at the end is the guide: ``市局组织发起（广告科指导）`` → (``市局``, ``广告科``)."""
    raw = (text or "").strip()
    if not raw:
        return "", ""
    for sep in ("/", "／"):
        if sep in raw:
            left, right = raw.split(sep, 1)
            break
    else:
        bracketed = _GUIDE_IN_BRACKETS.match(raw)
        left, right = (bracketed.group(1), bracketed.group(2)) if bracketed else (raw, "")
    left, right = left.strip(), right.strip()
    for suffix in INITIATOR_SUFFIXES:
        if left.endswith(suffix) and len(left) > len(suffix):
            left = left[: -len(suffix)]
            break
    for suffix in GUIDE_SUFFIXES:
        if right.endswith(suffix) and len(right) > len(suffix):
            right = right[: -len(suffix)]
            break
    return left, right


@dataclass
class Executor:
    city: bool = False
    county: bool = False
    problems: list[tuple[str, dict]] = field(default_factory=list)


# a county's own: its branches (分局), market-supervision offices (市场监管所) and enforcement brigades (大队)
_COUNTY_MARKS = ("县", "区", "分局", "监管所", "监督管理所", "大队")
# the issuing bureau's own enforcement: a city's 支队 (市场监管综合行政执法支队, 稽查支队), a province's 总队
_BUREAU_MARKS = ("支队", "总队")
# 抽查检查模式 as the 部门联合 plans write it: 市抽市查, 市抽县(区)查, 县抽县查 (who draws, who checks)
_MODE = re.compile(r"[^抽查]{1,4}抽([^抽查]{1,6})查")
_ALL_LEVELS = ("各级", "全市各级", "市县两级", "市、县两级")


def parse_executor(text: str) -> Executor:
    """Which levels execute: ``市、县(区)级市场监管部门`` → city and county; ``市级…`` → city;
    ``县（区）级…`` → county; ``各级…`` → both; the mode ``市抽县(区)查`` → the level that checks (county);
    the seed's ``市、市场监管局`` → city, with a warning."""
    raw = compact(text)
    result = Executor()
    if not raw:
        result.problems.append(("executor_missing", {}))
        return result
    parts = [p for p in re.split(r"[、,，/和及]", raw) if p]
    for index, part in enumerate(parts):
        if mode := _MODE.fullmatch(part):
            part = mode.group(1)  # 市抽县(区)查: the county draws nothing, it checks; the level that checks executes
        if part.startswith(_ALL_LEVELS):
            result.city = result.county = True
            continue
        is_city = (
            part == "市"
            or part.startswith(("市级", "市局", "市市场", "市本级", "市直"))
            or (part.startswith("市") and not part.startswith("市场"))
            or any(mark in part for mark in _BUREAU_MARKS)
        )
        is_county = any(mark in part for mark in _COUNTY_MARKS) or part.startswith(("各县", "县"))
        if is_county:
            result.county = True
            # "市、县（区）级" names the city in the first part; "市县两级" in one part.
            if part.startswith(("市县", "市、县")):
                result.city = True
        elif is_city:
            result.city = True
        elif part.startswith("市场") and index > 0:
            # "市、市场监管局": a level is missing after the enumeration comma.
            result.problems.append(("executor_level_missing", {"text": text}))
        elif part.startswith("省"):
            result.problems.append(("executor_other_level", {"text": text}))
    if not (result.city or result.county) and not result.problems:
        result.problems.append(("executor_unreadable", {"text": text}))
    return result


# --- inspection items ---------------------------------------------------------------------------

_SEPARATORS = " \t\r\n;；,，、"


CN_NUMERALS = "一二三四五六七八九十"


_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _marker(number: int) -> re.Pattern:
    n = f"(?:{number}|{str(number).translate(_FULL_WIDTH_DIGITS)})"  # 1 or １ (a full-width digit)
    circled = f"|{chr(0x2460 + number - 1)}" if number <= 20 else ""  # ① … ⑳
    return re.compile(rf"(?<![0-9０-９A-Za-z.．])(?:[（(]\s*{n}\s*[）)]|{n}\s*[,，.．、)）](?![0-9０-９]){circled})")


def _cn_marker(number: int) -> re.Pattern | None:
    """``一、`` ``（二）``: items numbered in Chinese numerals (up to ten)."""
    if not 1 <= number <= 10:
        return None
    n = CN_NUMERALS[number - 1]
    return re.compile(rf"(?<![{CN_NUMERALS}第])(?:[（(]\s*{n}\s*[）)]|{n}\s*[、.．])")


_FIRST_DOTTED = re.compile(r"(?<![0-9.．])(\d{1,2})\s*[.．]\s*1(?![0-9.．])")


def _dotted_markers(raw: str) -> list[tuple[int, int]]:
    """``1.1 … 1.2 … 1.3 …``: items numbered under a section number (the same major number throughout)."""
    first = _FIRST_DOTTED.search(raw)
    if not first:
        return []
    major = first.group(1)

    def marker(number: int) -> re.Pattern:
        return re.compile(rf"(?<![0-9.．]){major}\s*[.．]\s*{number}(?![0-9.．%])\s*[、,，)）]?")

    return _markers(raw, marker)


def _markers(raw: str, marker) -> list[tuple[int, int]]:
    positions: list[tuple[int, int]] = []
    cursor, number = 0, 1
    while True:
        pattern = marker(number)
        match = pattern.search(raw, cursor) if pattern else None
        if not match:
            return positions
        positions.append((match.start(), match.end()))
        cursor, number = match.end(), number + 1


def split_items(text: str) -> tuple[str, list[str]]:
    """Split an 抽查事项 cell into (heading, items).

    Items are numbered ``1,`` ``1.`` ``（1）`` ``(1)`` ``1、`` ``①`` (styles may mix within a cell), ``一、``
    ``（二）``, ``1.1`` ``1.2`` (under a section number), or not at all (one item). Numbers must follow each other: ``1`` then ``2`` … so numbers inside the text
    (``2次/年``) are not taken for markers. Text before the first number is the heading.
    """
    raw = (text or "").strip()
    if not raw:
        return "", []
    positions = _markers(raw, _marker)
    # Chinese numerals number the items when they are a list of their own that starts first
    # (一、… 二、… with 1. 2. inside an item), or when Arabic numbers make no list.
    chinese = _markers(raw, _cn_marker)
    if len(chinese) >= 2 and (len(positions) < 2 or chinese[0][0] < positions[0][0]):
        positions = chinese
    elif len(positions) < 2 and len(dotted := _dotted_markers(raw)) >= 2:
        positions = dotted  # 1.1 … 1.2 …: the numbers under a section number are the list
    if not positions:
        return "", [raw]
    heading = raw[: positions[0][0]].strip().rstrip(_SEPARATORS + ":：。.")
    items = []
    for index, (_, end) in enumerate(positions):
        stop = positions[index + 1][0] if index + 1 < len(positions) else len(raw)
        items.append(raw[end:stop].strip(_SEPARATORS))
    return heading, [item for item in items if item] or [raw]


_LEADING_NUMBER = re.compile(
    rf"^\s*(?:[\u2460-\u2473]|[（(]\s*(?:\d+|[{CN_NUMERALS}]+)\s*[）)]|(?:\d+|[{CN_NUMERALS}]+)\s*[,，.．、)）])\s*"
)


def split_item_row(text: str) -> list[str]:
    """The items of a row that continues a task (one item a row, numbered as it goes on: ``2．…``,
    ``（3）…``): a list of its own, or the row's one item without its number."""
    heading, items = split_items(text)
    if heading or len(items) > 1:
        return [part for part in [heading, *items] if part]
    return [_LEADING_NUMBER.sub("", item, count=1) or item for item in items]


_CODE_SEPARATORS = re.compile(r"[\s,，、;；/]+")


def split_codes(text: str) -> list[str]:
    """The codes in a 检查事项编码 cell, in order: numbered like the items (``1.A1301 2.A1302``)
    or one a line / separated by 、，; (full-width forms folded)."""
    _, parts = split_items(unicodedata.normalize("NFKC", text or ""))
    return [code for part in parts for code in _CODE_SEPARATORS.split(part) if code]
