"""What a bureau's export says, and what it means: header names and cell values of a subject file.

Plain functions, no database: each ``parse_*`` returns the clean value or raises :class:`BadValue`
with a message for the person who has to fix the file (in their language).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from stdnum.cn import uscc as uscc_check
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.iso7064 import mod_11_10

from ..core.cells import excel_error
from ..errors import InvalidInput
from ..auth.territory import county_names, division_for_area, fold, territory_prefixes
from .models import CREDIT_CLASSES, SubjectKind, SubjectStatus
from .tables import REJECT_COLUMNS


class BadValue(InvalidInput):
    """A cell that cannot be used; the message says why, for the user."""


def attempt_into(reasons: list[str]):
    """A caller of ``parse_*`` functions for one row: a :class:`BadValue` adds its message to
    ``reasons`` and gives None, so every bad cell of the row is told at once."""

    def attempt(fn, *args):
        try:
            return fn(*args)
        except BadValue as exc:
            reasons.append(str(exc))
            return None

    return attempt


def excel_errors_into(reasons: list[str], cells: list, columns: dict[str, int], header: list) -> tuple[list, set[str]]:
    """A row's cells with those the importer reads that hold an Excel error (#N/A of a failed lookup …)
    made empty, and the fields they are in; a reason names each. An error is no value: it is neither
    stored as text nor taken for an empty cell (which keeps a stored value), and a required field holding
    one is told as the error, not as missing."""
    failed: set[str] = set()
    for field, index in columns.items():
        error = excel_error(cells[index]) if index < len(cells) else None
        if error is None:
            continue
        if not failed:
            cells = list(cells)
        cells[index] = None
        failed.add(field)
        column = str(header[index]).strip() if index < len(header) else field
        reasons.append(
            _(
                "%(column)s holds the Excel error %(error)s (a formula that gave no value), not a value: put "
                "the value itself in the cell",
                column=column,
                error=error,
            )
        )
    return cells, failed


# field → header texts a bureau export uses for it (compared after :func:`normalise_header`).
HEADERS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "统一社会信用代码/注册号", "USCC"),
    "registration_number": ("注册号", "工商注册号", "原注册号"),
    "name": ("名称", "企业名称", "主体名称", "市场主体名称", "个体工商户名称", "字号名称", "单位名称"),
    "kind": ("类型", "主体类型", "企业类型", "市场主体类型", "主体类别"),
    "legal_representative": (
        "法定代表人",
        "负责人",
        "经营者",
        "法定代表人/负责人",
        "法定代表人(负责人)",
        "法定代表人/负责人/经营者",
        "投资人",
        "执行事务合伙人",
        "法人",
        "法人代表",
        "经营者姓名",
    ),
    "address": (
        "住所",
        "经营场所",
        "住所/经营场所",
        "地址",
        "注册地址",
        "住所(经营场所)",
        "企业地址",
        "经营地址",
        "经营地点",
    ),
    "division": (
        "所属区县",
        "行政区划",
        "区县",
        "所属辖区",
        "行政区划代码",
        "所在区县",
        "所属区域",
        "辖区",
        "县区",
        "属地",
    ),
    "authority": ("登记机关", "登记机关名称", "管辖单位", "管辖机关", "属地监管机关"),
    "industry": ("行业", "所属行业", "行业门类", "国民经济行业", "行业类别"),
    # GB/T 4754 code: 门类 letter, then 大类/中类/小类 digits (F, F52, F5211)
    "industry_code": ("行业代码", "国民经济行业代码", "行业门类代码", "行业分类代码"),
    "contact": ("联系电话", "联系方式", "电话", "联络电话"),
    "status": ("登记状态", "经营状态", "状态", "企业状态"),
    "business_term_end": ("营业期限至", "经营期限至", "营业期限截止日期", "营业期限(至)"),
    "credit_class": (
        "信用风险分类",
        "风险等级",
        "信用风险等级",
        "风险分类",
        "信用风险分类结果",
        "信用风险类别",
        "风险类别",
    ),
    "credit_assessed_on": ("分类日期", "评定日期", "风险分类日期", "分类时间"),
    "tags": ("标签", "监管标签", "主体标签"),
}


# Characters a copy from a web page or a second file's BOM leaves in a cell, unseen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def normalise_header(text: object) -> str:
    """A header cell as matched: full-width folded, spaces, asterisks, colons and invisible characters gone."""
    text = unicodedata.normalize("NFKC", str(text or "")).translate(_INVISIBLE)
    return re.sub(r"[\s*＊:：]", "", text).upper()


_HEADER_INDEX = {normalise_header(h): field for field, names in HEADERS.items() for h in names}


def map_headers(header: list[object]) -> tuple[dict[str, int], list[str]]:
    """Column index of each known field, and the header texts that mean nothing to us."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, text in enumerate(header):
        key = normalise_header(text)
        if not key:
            continue
        field = _HEADER_INDEX.get(key)
        if field is None:
            if key not in REJECT_COLUMNS:
                unknown.append(str(text).strip())
        elif field not in columns:
            columns[field] = index
    return columns, unknown


def cell_text(value: object) -> str:
    """A cell as clean text: numbers from spreadsheets without ``.0``, full-width spaces gone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


# --- identifiers -------------------------------------------------------------------------------

_USCC_KIND = {"1": SubjectKind.ENTERPRISE, "2": SubjectKind.INDIVIDUAL, "3": SubjectKind.COOPERATIVE}


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015, as in stdnum.cn.uscc
_USCC_VALUES = {ch: i for i, ch in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_COMPACT = re.compile(r"^[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}$")


def _uscc_is_valid_fast(number: str) -> bool:
    """The GB 32100 check on an already compact code (a million rows: stdnum's cleaning dominates the
    import otherwise). Anything not plainly valid goes through stdnum, which names the error."""
    if not _USCC_COMPACT.match(number):
        return False
    total = sum(_USCC_VALUES[ch] * w for ch, w in zip(number, _USCC_WEIGHTS))
    return number[17] == _USCC_ALPHABET[(31 - total) % 31]


def plain_code(value: str) -> str:
    """Full-width letters and digits folded (ＭＡ → MA), invisible characters dropped."""
    return unicodedata.normalize("NFKC", value).translate(_INVISIBLE)


def parse_uscc(value: str) -> str:
    if _uscc_is_valid_fast(value):
        return value
    number = uscc_check.compact(plain_code(value))
    try:
        return uscc_check.validate(number)
    except InvalidChecksum:
        raise BadValue(_("The unified social credit code %(code)s has a wrong check digit", code=number)) from None
    except InvalidLength:
        raise BadValue(_("The unified social credit code %(code)s must have 18 characters", code=number)) from None
    except ValidationError:
        raise BadValue(_("The unified social credit code %(code)s is not well formed", code=number)) from None


def parse_registration_number(value: str) -> str:
    """The 15-digit registration number (注册号) of subjects registered before the USCC (GB/T 17710 check)."""
    number = re.sub(r"[\s-]", "", plain_code(value))
    if len(number) != 15 or not number.isdigit():
        raise BadValue(_("The registration number %(code)s must have 15 digits", code=number))
    if not mod_11_10.is_valid(number):
        raise BadValue(_("The registration number %(code)s has a wrong check digit", code=number))
    return number


def kind_from_uscc(uscc: str | None) -> str | None:
    if uscc and uscc[0] == "9":
        return _USCC_KIND.get(uscc[1])
    return None


def division_from_address(address: str | None) -> str | None:
    """The county an address starts with (XX省XX市XX区…, an old county name …), by the organisation's
    spellings of its areas; the longest spelling wins. None when the address names no county."""
    if not address:
        return None
    text = fold(address)
    for length in range(min(len(text), _LONGEST_AREA), 1, -1):
        code = division_for_area(text[:length])
        if code is not None:
            return code
    return None


_LONGEST_AREA = 24


def division_from_authority(authority: str | None) -> str | None:
    """The county of a registration authority (XX区市场监督管理局 …), if it governs one."""
    if not authority:
        return None
    text = fold(authority)
    if code := division_for_area(text):
        return code
    if branch := _BRANCH.search(text):  # 鹤壁市市场监督管理局浚县分局
        return _branch_division(_AUTHORITY_SUFFIX.sub("", text[: branch.start() + 1]), branch.group(1))
    area = _AUTHORITY_SUFFIX.sub("", text)  # 浚县市场监管局, 浚县工商行政管理局 (registered before 2018)
    return division_for_area(area) if area != text else None


def _branch_division(parent: str, branch: str) -> str | None:
    """The county of a branch (分局) of the bureau of ``parent`` (鹤壁市, or nothing): a branch of another
    city's bureau (安阳市…开发区分局) is not this organisation's 开发区 of the same name. The branch alone
    counts only when the bureau names no area, or the organisation records none above its counties."""
    if parent:  # 安阳市 + 开发区, or + 开发区分局 (the unit's name)
        code = division_for_area(parent + branch) or division_for_area(f"{parent}{branch}分局")
        if code is not None or territory_prefixes():
            return code
    return division_for_area(branch)


_AUTHORITY_SUFFIX = re.compile(r"(?:市场监督管理局|市场监管局|工商行政管理局|工商局|行政审批服务局|行政审批局)$")
_BRANCH = re.compile(r"局(.{2,12}?)分局$")


def division_from_code(code: str | None) -> str | None:
    """The county whose division code a USCC (positions 3–8) or registration number (1–6) carries."""
    if not code:
        return None
    region = code[2:8] if len(code) == 18 else code[:6]
    return region if region in county_names() else None


# --- categories --------------------------------------------------------------------------------


def parse_division(value: str) -> str:
    code = division_for_area(fold(value))
    if code is None:
        raise BadValue(_("Unknown county: %(value)s", value=value))
    return code


_KIND_EXACT = {
    "企业": SubjectKind.ENTERPRISE,
    "个体工商户": SubjectKind.INDIVIDUAL,
    "个体": SubjectKind.INDIVIDUAL,
    "农民专业合作社": SubjectKind.COOPERATIVE,
    "合作社": SubjectKind.COOPERATIVE,
    **{k.value: k.value for k in SubjectKind},
}
_ENTERPRISE_WORDS = ("公司", "企业", "合伙", "独资", "所有制", "股份", "分支机构", "外商", "联营")


def parse_kind(value: str) -> str:
    key = unicodedata.normalize("NFKC", value).strip()
    if key in _KIND_EXACT:
        return _KIND_EXACT[key]
    if "个体" in key:
        return SubjectKind.INDIVIDUAL
    if "合作社" in key:
        return SubjectKind.COOPERATIVE
    if any(word in key for word in _ENTERPRISE_WORDS):
        return SubjectKind.ENTERPRISE
    raise BadValue(_("Unknown kind of subject: %(value)s", value=value))


_STATUS = {
    "在业": SubjectStatus.OPERATING,
    "存续": SubjectStatus.OPERATING,
    "开业": SubjectStatus.OPERATING,
    "在营": SubjectStatus.OPERATING,
    "正常": SubjectStatus.OPERATING,
    "注销": SubjectStatus.CANCELLED,
    "已注销": SubjectStatus.CANCELLED,
    "吊销": SubjectStatus.REVOKED,
    "吊销未注销": SubjectStatus.REVOKED,
    "吊销,未注销": SubjectStatus.REVOKED,
    "撤销": SubjectStatus.WITHDRAWN,
    "迁出": SubjectStatus.MOVED_OUT,
}


def parse_status(value: str) -> str:
    """``存续``, and the national system's ``存续（在营、开业、在册）``, ``在营（开业）企业`` …: every word
    given must name the same status."""
    text = unicodedata.normalize("NFKC", value)
    key = re.sub(r"[\s()]", "", text)
    if key in _STATUS:
        return _STATUS[key]
    words = {w.removesuffix("企业") for w in re.split(r"[\s()、,;/]+", text)} - {"", "在册"}
    found = {_STATUS.get(w, "") for w in words}
    if len(found) == 1 and "" not in found:
        return found.pop()
    raise BadValue(_("Unknown registration status: %(value)s", value=value))


_CLASS_WORDS = {"低风险": "A", "一般风险": "B", "较高风险": "C", "高风险": "D"}


def parse_credit_class(value: str) -> str:
    key = re.sub(r"[\s类级（）()]", "", unicodedata.normalize("NFKC", value)).upper()
    if key[:1] in CREDIT_CLASSES and (len(key) == 1 or key[1:] in _CLASS_WORDS):
        return key[:1]
    if key in _CLASS_WORDS:
        return _CLASS_WORDS[key]
    raise BadValue(_("Unknown credit-risk class: %(value)s (use A, B, C or D)", value=value))


_OPEN_ENDED = {"长期", "永久", "无固定期限", "不约定期限", "-", "—"}
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s.*)?$")


# Excel's serial day numbers from 1954 to 2119 (five digits, perhaps with a time as a fraction).
_EXCEL_SERIAL = re.compile(r"^[2-7]\d{4}(?:\.\d+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: str, label: str) -> date | None:
    """ISO, slashed, dotted, compact (20301231) or Chinese (2030年12月31日) dates, or Excel's day
    number (46387); 长期 means none."""
    text = unicodedata.normalize("NFKC", value).strip()
    if text in _OPEN_ENDED:
        return None
    match = _DATE_RE.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if _EXCEL_SERIAL.match(text):  # a date cell that lost its format: days since 1899-12-30
            return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    except ValueError:
        pass
    raise BadValue(_("%(label)s is not a date: %(value)s", label=label, value=value))


_TAG_SPLIT = re.compile(r"[;；,，、|/\s]+")


def split_tags(value: str) -> list[str]:
    return [t for t in _TAG_SPLIT.split(unicodedata.normalize("NFKC", value)) if t]
