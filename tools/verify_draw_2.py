"""Algorithm 2 for verify_draw.py (standard library only): every field of a
fieldapp-draw-bundle/2 is checked for form, then recomputed from the public files and compared.
The algorithm is stated in docs/draw-algorithm.md; this implements it independently of fieldapp."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

CLASSES = ("A", "B", "C", "D")
TOPUP_ORDER = ("D", "C", "B", "A")
DEFAULT_MULTIPLIERS = {"A": "0.5", "B": "1", "C": "2", "D": "4"}
BEIJING = timedelta(hours=8)


class Refused(Exception):
    pass


# --- form: every field known, every value well-formed -------------------------------------------


def _hex64(v):
    return isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None


def _int(low):
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low


def _str(v):
    return isinstance(v, str)


def _date(v):
    try:
        return isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) and bool(date.fromisoformat(v))
    except ValueError:
        return False


def _datetime(v):
    try:
        return (
            isinstance(v, str)
            and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?", v)
            and bool(datetime.fromisoformat(v))
        )
    except ValueError:
        return False


def _decimal(v):
    return isinstance(v, str) and re.fullmatch(r"\d{1,6}(\.\d{1,10})?", v) is not None


def _scalar(v):
    return v is None or isinstance(v, (str, int))


def _one_of(*values):
    return lambda v: v in values and type(v) is type(values[0])


def _nullable(check):
    return ("nullable", check)


def _list(check):
    return ("list", check)


def _optional(check):
    return ("optional", check)


def _object(v):
    return isinstance(v, dict)


def _mapping(check):
    return ("mapping", check)


def _classes(check):
    return {c: check for c in CLASSES}


INSPECTOR = {"team": _str, "position": _one_of(0, 1), "rank": _int(0), "certificate": _str, "name": _str, "key": _hex64}
SCHEMA = {
    "format": _one_of("fieldapp-draw-bundle/2"),
    "algorithm": _one_of("fieldapp-draw-2"),
    "draw": {
        "id": _int(1),
        "number": _int(1),
        "status": _one_of("valid", "superseded"),
        "supersedes": _nullable(_int(1)),
        "redraw_reason": _str,
        "task": {"id": _int(1), "number": _int(0), "name": _str, "plan_year": _int(1)},
        "round": _int(1),
        "unit": {"code": _str, "name": _str},
        "draw_date": _date,
        "drawn_at": _datetime,
    },
    "commitment": {
        "sequence": _int(1),
        "sha256": _hex64,
        "published_at": _datetime,
        "external": {"kind": _one_of("lottery", "witness"), "description": _str, "date": _nullable(_date)},
        "exception_reason": _str,
        "exceptions": _list({"code": _str, "params": _mapping(_scalar)}),
        # The commitment's record in the public chain (bundles made before it was added lack it).
        "record": _optional(_nullable({"sha256": _hex64, "body": _object})),
    },
    "seed": _nullable(_hex64),
    "witness": _nullable(_str),
    "effective_seed": _nullable(_hex64),
    "pool": {"sha256": _hex64, "classed_sha256": _hex64, "size": _int(0), "class_sizes": _classes(_int(0))},
    "ratio": _nullable(_decimal),
    "fixed_count": _nullable(_int(1)),
    "multipliers": _classes(_decimal),
    "total_floor": _int(0),
    "quotas": _classes(_int(0)),
    "topups": _classes(_int(0)),
    "inspectors": {"sha256": _hex64, "count": _int(0)},
    "teams": _nullable(
        _list(
            {
                "unit": _str,
                "unit_name": _str,
                "role": _one_of("initiating", "participating"),
                "specialties": _list(_str),
                "workload_cap": _int(1),
                "initial_load": _mapping(_int(0)),
                "conflicts": _mapping(_list(_str)),
            }
        )
    ),
    "selection": _nullable(_list({"id": _str, "key": _hex64, "unmatched": _str, "inspectors": _list(INSPECTOR)})),
    "replacements": _nullable(
        _list(
            {
                "id": _str,
                "team": _str,
                "replaced": _str,
                "by": _str,
                "name": _str,
                "rank": _int(0),
                "reason": _str,
                "at": _datetime,
                # Replacements made before these were kept lack them (or give null).
                "skipped": _optional(
                    _nullable(
                        _list(
                            {
                                "certificate": _str,
                                "reason": _one_of("assigned", "conflict", "ineligible", "workload_cap"),
                            }
                        )
                    )
                ),
                "record": _optional(_nullable({"sha256": _hex64, "body": _object})),
            }
        )
    ),
    "record": _nullable(
        {
            "sha256": _hex64,
            "body": {
                "kind": _one_of("draw", "redraw"),
                "sequence": _int(1),
                "previous": _nullable(_hex64),
                "at": _datetime,
                "bundle_sha256": _hex64,
                "draw": {
                    "id": _int(1),
                    "task": _int(1),
                    "round": _int(1),
                    "unit": _str,
                    "number": _int(1),
                    "supersedes": _nullable(_int(1)),
                },
            },
        }
    ),
}


def check_form(value, schema, path="bundle"):
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise Refused(f"{path} is not an object")
        for key in value:
            if key not in schema:
                raise Refused(f"unknown field {path}.{key}")
        for key, sub in schema.items():
            if key not in value and isinstance(sub, tuple) and sub[0] == "optional":
                continue
            if key not in value:
                raise Refused(f"missing field {path}.{key}")
            check_form(value[key], sub, f"{path}.{key}")
    elif isinstance(schema, tuple):
        kind, sub = schema
        if kind in ("nullable", "optional"):
            if value is not None:
                check_form(value, sub, path)
        elif kind == "list":
            if not isinstance(value, list):
                raise Refused(f"{path} is not a list")
            for index, item in enumerate(value):
                check_form(item, sub, f"{path}[{index}]")
        else:
            if not isinstance(value, dict):
                raise Refused(f"{path} is not an object")
            for key, item in value.items():
                check_form(item, sub, f"{path}.{key}")
    elif not schema(value):
        raise Refused(f"malformed value of {path}: {json.dumps(value, ensure_ascii=False)[:80]}")


# --- files --------------------------------------------------------------------------------------


def read_lines(data: bytes, what: str) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(f"the {what} is not UTF-8") from None
    if text and not text.endswith("\n"):
        raise Refused(f"the {what}'s last line has no newline")
    lines = text.split("\n")[:-1]
    for number in range(1, len(lines)):
        if lines[number - 1].encode() >= lines[number].encode():
            raise Refused(f"{what} line {number + 1} is out of byte order (or repeated): {lines[number]!r}")
    return lines


def read_pool(data: bytes) -> list[str]:
    lines = read_lines(data, "pool file")
    for number, line in enumerate(lines, start=1):
        if not line or "," in line or "\r" in line:
            raise Refused(f"pool file line {number} is not an ID: {line!r}")
    return lines


def read_classed(data: bytes) -> list[tuple[str, str]]:
    entries = []
    for number, line in enumerate(read_lines(data, "classed pool file"), start=1):
        ident, comma, cls = line.partition(",")
        if not comma or not ident or cls not in CLASSES:
            raise Refused(f"classed pool file line {number} is not ID,CLASS: {line!r}")
        entries.append((ident, cls))
    return entries


def read_inspectors(data: bytes) -> list[dict]:
    rows = []
    for number, line in enumerate(read_lines(data, "inspector file"), start=1):
        values = line.split("\t")
        if len(values) != 5 or not all(values[:3]):
            raise Refused(f"inspector file line {number} is not TEAM, CERTIFICATE, UNIT, SPECIALTIES, NAME")
        rows.append(dict(zip(("team", "certificate", "unit", "specialties", "name"), values)))
    return rows


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def key(e: bytes, message: str) -> bytes:
    return hmac.new(e, message.encode("utf-8"), hashlib.sha256).digest()


# --- recomputation ------------------------------------------------------------------------------


def counts(b):
    sizes = b["pool"]["class_sizes"]
    n = sum(sizes.values())
    for c in CLASSES:
        if Decimal(b["multipliers"][c]) <= 0:
            raise Refused(f"the multiplier of class {c} is not greater than 0")
    r = Fraction(Decimal(b["ratio"])) if b["ratio"] is not None else None
    if r is not None and not 0 < r <= 1:
        raise Refused(f"the ratio {b['ratio']} is not greater than 0 and at most 1")
    if b["fixed_count"] is not None:
        total = min(b["fixed_count"], n)
        if r is None:
            r = Fraction(total, n) if n else Fraction(0)
    elif r is None:
        raise Refused("the bundle has neither a ratio nor a fixed count")
    else:
        total = math.ceil(n * r)
    quotas = {
        c: min(sizes[c], math.floor(sizes[c] * r * Fraction(Decimal(b["multipliers"][c])) + Fraction(1, 2)))
        for c in CLASSES
    }
    topups = {c: 0 for c in CLASSES}
    short = total - sum(quotas.values())
    for c in TOPUP_ORDER:
        take = max(0, min(short, sizes[c] - quotas[c]))
        topups[c] = take
        short -= take
    return total, quotas, topups


def beijing_day(stamp: str) -> date:
    return (datetime.fromisoformat(stamp) + BEIJING).date()


def check_dates(b, diff):
    d, c = b["draw"], b["commitment"]
    if date.fromisoformat(d["draw_date"]) != beijing_day(d["drawn_at"]):
        diff(
            f"draw_date {d['draw_date']} is not the day in Beijing of drawn_at {d['drawn_at']} UTC",
            f"抽取日期 {d['draw_date']} 不是抽取时刻 {d['drawn_at']}（UTC）在北京时间的日期",
        )
    if c["published_at"] > d["drawn_at"]:
        diff("the commitment was published after the draw", "承诺在抽取之后才公布")
    ext = c["external"]
    if ext["kind"] == "lottery":
        if ext["date"] is None or not ext["description"]:
            diff(
                "a lottery commitment names no lottery draw or no date",
                "以彩票开奖为外部值的承诺没有写明开奖期次或日期",
            )
        else:
            # Only the lottery's day is named, not its hour: drawn on the commitment's own day, its
            # result may have been public when the commitment was published.
            if date.fromisoformat(ext["date"]) <= beijing_day(c["published_at"]):
                diff(
                    "the lottery was drawn on or before the day the commitment was published: its result may have been public then",
                    "彩票开奖在承诺公布当天或之前：公布承诺时开奖结果可能已经公开",
                )
            if date.fromisoformat(ext["date"]) > date.fromisoformat(d["draw_date"]):
                diff("the draw was made before the lottery it names was drawn", "抽取在其所依据的彩票开奖之前进行")
    elif ext["date"] is not None:
        diff("a witness commitment carries a lottery date", "以见证人为外部值的承诺却带有开奖日期")
    if (d["supersedes"] is None) != (d["redraw_reason"] == ""):
        diff("a redraw must carry its reason, and only a redraw", "只有重新抽取才带理由，且重新抽取必须带理由")
    if bool(c["exceptions"]) != bool(c["exception_reason"]):
        diff(
            "a draw despite warnings must carry its written reason, and only then",
            "只有不顾警告的抽取才带书面理由，且此时必须带理由",
        )


def check_seed(b, diff) -> bytes:
    seed = bytes.fromhex(b["seed"])
    if sha(seed) != b["commitment"]["sha256"]:
        diff("SHA-256(seed) is not the published commitment", "种子的 SHA-256 与公布的承诺不符")
    w = b["witness"] or ""
    if w != " ".join(unicodedata.normalize("NFC", w).split()):
        diff(
            "the external value W is not in its normal form (NFC, single spaces, none at the ends)",
            "外部值 W 不是规范形式（NFC、单个空格、首尾无空格）",
        )
    e = hashlib.sha256(seed + w.encode("utf-8")).digest()
    if e.hex() != b["effective_seed"]:
        diff("the effective seed is not SHA-256(seed || W)", "有效种子不等于 SHA-256(种子 || W)")
    return e


def expected_selection(e, ids, classed, quotas, topups):
    """With the classed file: the selection exactly; without: None (class membership unknown)."""
    if classed is None:
        return None
    chosen = []
    for c in CLASSES:
        ranked = sorted((key(e, ident), ident) for ident, cls in classed if cls == c)
        chosen += ranked[: quotas[c] + topups[c]]
    return [ident for _, ident in sorted(chosen)]


def match(b, e, members):
    load = {t["unit"]: dict(t["initial_load"]) for t in b["teams"]}
    result = {}
    for sel in b["selection"]:
        ident, picked, reasons = sel["id"], [], []
        for t in b["teams"]:
            certs = [m["certificate"] for m in members[t["unit"]]]
            names = {m["certificate"]: m["name"] for m in members[t["unit"]]}
            conflicted = set(t["conflicts"].get(ident, []))
            free = [c for c in certs if c not in conflicted and load[t["unit"]].get(c, 0) < t["workload_cap"]]
            ranked = sorted((key(e, f"inspector|{ident}|{c}"), c) for c in free)
            if len(ranked) < 2:
                why = (
                    "no_inspectors"
                    if len(certs) < 2
                    else "conflicts"
                    if len(certs) - len(conflicted & set(certs)) < 2
                    else "workload_cap"
                )
                reasons.append(f"{t['unit']}:{why}")
                continue
            for position, (k, c) in enumerate(ranked[:2]):
                picked.append(
                    {
                        "team": t["unit"],
                        "position": position,
                        "rank": position,
                        "certificate": c,
                        "name": names[c],
                        "key": k.hex(),
                    }
                )
                load[t["unit"]][c] = load[t["unit"]].get(c, 0) + 1
        result[ident] = (picked, "; ".join(reasons))
    return result


def check_teams(b, rows, diff):
    members = {}
    for row in rows:
        members.setdefault(row["team"], []).append(row)
    units = [t["unit"] for t in b["teams"]]
    if len(set(units)) != len(units) or set(members) - set(units):
        diff("the teams of the bundle are not those of the inspector file", "数据包中的检查组与检查人员文件不符")
    if [t["role"] for t in b["teams"]][:1] != ["initiating"] or units[:1] != [b["draw"]["unit"]["code"]]:
        diff(
            "the first team must be the executing unit's (initiating) team",
            "第一个检查组必须是实施单位（发起单位）的检查组",
        )
    for t in b["teams"]:
        certs = {m["certificate"] for m in members.get(t["unit"], [])}
        if set(t["initial_load"]) - certs or any(set(v) - certs for v in t["conflicts"].values()):
            diff(
                f"team {t['unit']}: loads or conflicts name inspectors not in its list",
                f"检查组 {t['unit']}：已有任务量或回避关系中有不在本组名单上的检查人员",
            )
        members.setdefault(t["unit"], [])
    return members


def check_replacements(b, e, members, diff):
    assigned = {sel["id"]: {(i["team"], i["certificate"]) for i in sel["inspectors"]} for sel in b["selection"]}
    for number, r in enumerate(b["replacements"], start=1):
        team = members.get(r["team"])
        if team is None or r["id"] not in assigned or (r["team"], r["replaced"]) not in assigned[r["id"]]:
            diff(
                f"replacement {number}: {r['replaced']} was not an inspector of {r['id']} in team {r['team']}",
                f"第 {number} 次替换：{r['replaced']} 并不是检查组 {r['team']} 派往 {r['id']} 的检查人员",
            )
            continue
        ranked = [
            c for _, c in sorted((key(e, f"inspector|{r['id']}|{m['certificate']}"), m["certificate"]) for m in team)
        ]
        names = {m["certificate"]: m["name"] for m in team}
        if r["by"] not in names or ranked.index(r["by"]) != r["rank"] or names[r["by"]] != r["name"]:
            diff(
                f"replacement {number}: {r['by']} is not rank {r['rank']} of team {r['team']} (or not named so)",
                f"第 {number} 次替换：{r['by']} 不是检查组 {r['team']} 排序第 {r['rank']} 位的人员（或姓名不符）",
            )
        if r["at"] < b["draw"]["drawn_at"]:
            diff(f"replacement {number} is dated before the draw", f"第 {number} 次替换的时间早于抽取")
        check_passed_over(number, r, ranked, assigned[r["id"]], diff)
        check_replacement_record(number, r, b["draw"]["id"], diff)
        assigned[r["id"]].add((r["team"], r["by"]))


def check_passed_over(number, r, ranked, assigned, diff):
    """The certificates ranked before the replacement are exactly those it says it passed over,
    and those it says were assigned to the subject were (the other reasons are its word, public)."""
    skipped = r.get("skipped")
    if skipped is None:
        return
    if [s["certificate"] for s in skipped] != ranked[: r["rank"]]:
        diff(
            f"replacement {number}: the certificates passed over are not those ranked before {r['by']}",
            f"第 {number} 次替换：跳过的证号不是排在 {r['by']} 之前的那些",
        )
    taken = {cert for _, cert in assigned}
    for s in skipped:
        if (s["reason"] == "assigned") != (s["certificate"] in taken):
            diff(
                f"replacement {number}: {s['certificate']} passed over as {s['reason']}, assigned otherwise",
                f"第 {number} 次替换：{s['certificate']} 以“{s['reason']}”为由被跳过，与实际派员情况不符",
            )


def check_replacement_record(number, r, draw_id, diff):
    record = r.get("record")
    if record is None:
        if r.get("skipped") is not None:
            diff(f"replacement {number} has no record in the public chain", f"第 {number} 次替换在公开记录链中没有记录")
        return
    body = record["body"]
    entry = {k: v for k, v in r.items() if k != "record"}
    if sha(canonical(body)) != record["sha256"]:
        diff(
            f"replacement {number}: its chain record's hash is not that of its contents",
            f"第 {number} 次替换：其记录链条目的哈希与内容不符",
        )
    if body.get("kind") != "replacement" or body.get("draw") != draw_id:
        diff(
            f"replacement {number}: its chain record names another draw",
            f"第 {number} 次替换：其记录链条目指向另一次抽取",
        )
    if body.get("replacement_sha256") != sha(canonical(entry)):
        diff(
            f"replacement {number} is not the one recorded in the public chain when it was made",
            f"第 {number} 次替换与当时记入公开记录链的不同",
        )


def check_record(b, diff):
    record = b["record"]
    if record is None:
        diff("the draw has no record in the public chain", "这次抽取在公开记录链中没有记录")
        return
    body, d = record["body"], b["draw"]
    if sha(canonical(body)) != record["sha256"]:
        diff("the chain record's hash is not that of its contents", "记录链条目的哈希与内容不符")
    want = {
        "id": d["id"],
        "task": d["task"]["id"],
        "round": d["round"],
        "unit": d["unit"]["code"],
        "number": d["number"],
        "supersedes": d["supersedes"],
    }
    if body["draw"] != want or body["kind"] != ("draw" if d["supersedes"] is None else "redraw"):
        diff("the chain record names another draw", "记录链条目指向另一次抽取")
    core = {k: v for k, v in b.items() if k not in ("record", "replacements")}
    core["draw"] = {k: v for k, v in d.items() if k != "status"}
    core["commitment"] = {k: v for k, v in b["commitment"].items() if k != "record"}
    if sha(canonical(core)) != body["bundle_sha256"]:
        diff(
            "the bundle is not the one recorded in the chain when the draw was made (a field was changed)",
            "数据包与抽取时记入记录链的不同（有字段被改动）",
        )


def changed_since_record(b, named) -> list[str]:
    """The fields in which the commitment the draw was made with differs from the one its record
    published before W was known: where W comes from above all (a lottery made a witness, or another
    lottery, lets whoever holds the seed key choose W). Fields a record of its time lacks are skipped."""
    c, d = b["commitment"], b["draw"]
    drawn = {
        "round": d["round"],
        "unit": d["unit"]["code"],
        "external": c["external"],
        "published_at": c["published_at"],
    }
    changed = [name for name, value in drawn.items() if name in named and named[name] != value]
    if "task" in named and named["task"].get("id") != d["task"]["id"]:
        changed.append("task")
    if d["supersedes"] is not None and named.get("redraw_reason", d["redraw_reason"]) != d["redraw_reason"]:
        changed.append("redraw_reason")
    if (named.get("exception_reason", ""), named.get("exceptions", [])) != (c["exception_reason"], c["exceptions"]):
        changed.append("exception_reason")
    return changed


def check_committed_inputs(b, diff):
    """The commitment's record, when the bundle gives it: it names this commitment, and the pool,
    numbers and inspector file it froze (before W was known) are the ones drawn."""
    record = b["commitment"].get("record")
    if record is None:
        return
    body = record["body"]
    if sha(canonical(body)) != record["sha256"]:
        diff("the commitment's chain record's hash is not that of its contents", "承诺的记录链条目的哈希与内容不符")
    try:
        named = body["commitment"]
        if body["kind"] != "commitment" or (named["sequence"], named["sha256"]) != (
            b["commitment"]["sequence"],
            b["commitment"]["sha256"],
        ):
            diff("the commitment's chain record names another commitment", "承诺的记录链条目指向另一个承诺")
        changed = changed_since_record(b, named)
        if changed:
            diff(
                f"the commitment drawn with is not the one its chain record published ({', '.join(changed)})",
                f"抽取所用的承诺与其记录链条目公布的不同（{'、'.join(changed)}）",
            )
        inputs = body.get("inputs")
        if inputs is None:
            return  # published before the inputs were frozen with commitments
        pool = inputs["pool"]
        if (pool["sha256"], pool["classed_sha256"], pool["size"]) != (
            b["pool"]["sha256"],
            b["pool"]["classed_sha256"],
            b["pool"]["size"],
        ):
            diff("the pool drawn is not the pool frozen with the commitment", "抽取所用的名录库与承诺时冻结的不同")
        if inputs["inspectors_sha256"] != b["inspectors"]["sha256"]:
            diff(
                "the inspector file drawn is not the one frozen with the commitment",
                "抽取所用的检查人员文件与承诺时冻结的不同",
            )
        same_ratio = (inputs["ratio"] is None) == (b["ratio"] is None) and (
            inputs["ratio"] is None or Decimal(inputs["ratio"]) == Decimal(b["ratio"])
        )
        wanted = {**DEFAULT_MULTIPLIERS, **(inputs["multipliers"] or {})}
        same_multipliers = {c: Decimal(str(wanted[c])) for c in CLASSES} == {
            c: Decimal(b["multipliers"][c]) for c in CLASSES
        }
        if not (same_ratio and same_multipliers and inputs["fixed_count"] == b["fixed_count"]):
            diff(
                "the ratio, fixed count or multipliers drawn are not those frozen with the commitment",
                "抽取所用的比例、固定户数或倍数与承诺时冻结的不同",
            )
        if date.fromisoformat(inputs["date"]) != beijing_day(b["commitment"]["published_at"]):
            diff(
                "the inputs frozen with the commitment are not of the day it was published",
                "承诺时冻结的输入不是承诺公布当天的",
            )
    except (KeyError, TypeError, ValueError, ArithmeticError):
        diff("the commitment's chain record is malformed", "承诺的记录链条目格式有误")


def check_pool(b, pool: bytes, classed_data: bytes | None, diff):
    """The pool file, and the classed one when given: form, hashes, sizes. Returns both lists."""
    ids = read_pool(pool)
    if sha(pool) != b["pool"]["sha256"]:
        diff(
            f"the pool file's SHA-256 {sha(pool)} is not the published {b['pool']['sha256']}",
            f"名录库文件的 SHA-256 {sha(pool)} 与公布的 {b['pool']['sha256']} 不符",
        )
    if len(ids) != b["pool"]["size"] or sum(b["pool"]["class_sizes"].values()) != len(ids):
        diff(
            f"the pool has {len(ids)} subjects; the bundle says {b['pool']['size']} and N_c sum to "
            f"{sum(b['pool']['class_sizes'].values())}",
            f"名录库有 {len(ids)} 户；数据包称 {b['pool']['size']} 户，各类户数 N_c 合计 "
            f"{sum(b['pool']['class_sizes'].values())} 户",
        )
    if classed_data is None:
        return ids, None
    classed = read_classed(classed_data)
    if sha(classed_data) != b["pool"]["classed_sha256"]:
        diff(
            "the classed pool file's SHA-256 is not the published commitment",
            "分类名录库文件的 SHA-256 与公布的承诺不符",
        )
    if [i for i, _ in classed] != ids:
        diff("the classed pool file does not list the pool's subjects", "分类名录库文件列出的主体与名录库不同")
    sizes = {c: sum(1 for _, cls in classed if cls == c) for c in CLASSES}
    if sizes != b["pool"]["class_sizes"]:
        diff(
            f"the classed pool file gives N_c {sizes}, the bundle {b['pool']['class_sizes']}",
            f"分类名录库文件得出各类户数 N_c {sizes}，数据包为 {b['pool']['class_sizes']}",
        )
    return ids, classed


def check_selection(b, e, ids, classed, quotas, topups, diff):
    published = [sel["id"] for sel in b["selection"]]
    keys = [key(e, ident) for ident in published]
    pool_set = set(ids)
    for position, (sel, k) in enumerate(zip(b["selection"], keys), start=1):
        if sel["key"] != k.hex():
            diff(
                f"selection #{position} {sel['id']}: its key is not HMAC(E, id)",
                f"抽中第 {position} 户 {sel['id']}：其密钥不等于 HMAC(E, id)",
            )
        if sel["id"] not in pool_set:
            diff(
                f"selection #{position} {sel['id']} is not in the pool",
                f"抽中第 {position} 户 {sel['id']} 不在名录库中",
            )
    if sorted(zip(keys, published)) != list(zip(keys, published)) or len(set(published)) != len(published):
        diff(
            "the selection is not in ascending key order (or repeats a subject)",
            "抽中名单没有按密钥升序排列（或有重复主体）",
        )
    wanted = sum(quotas.values()) + sum(topups.values())
    if len(published) != wanted:
        diff(
            f"the selection has {len(published)} subjects, the quotas and top-up {wanted}",
            f"抽中名单有 {len(published)} 户，按各类配额和补足应为 {wanted} 户",
        )
    expected = expected_selection(e, ids, classed, quotas, topups)
    if expected is not None and expected != published:
        first = next(
            (i for i, (x, y) in enumerate(zip(expected, published)) if x != y), min(len(expected), len(published))
        )
        diff(
            f"selection #{first + 1}: recomputed {expected[first] if first < len(expected) else 'nothing'}, "
            f"published {published[first] if first < len(published) else 'nothing'}",
            f"抽中第 {first + 1} 户：重新计算为 {expected[first] if first < len(expected) else '无'}，"
            f"公布为 {published[first] if first < len(published) else '无'}",
        )


# The line in Chinese above the recomputed table (whose lines stay as scripts read them).
TABLE_ZH = "重新计算的抽中名单：序号、主体标识、密钥前 16 位、检查人员（检查组:证号，* 为主查；UNMATCHED 为未能派员）"


def check_inspectors(b, e, rows, diff, out):
    members = check_teams(b, rows, diff)
    matched = match(b, e, members)
    out(TABLE_ZH)
    for position, sel in enumerate(b["selection"], start=1):
        picked, reasons = matched[sel["id"]]
        people = " ".join(f"{p['team']}:{p['certificate']}{'*' if p['position'] == 0 else ''}" for p in picked)
        out(f"{position:6d} {sel['id']} {sel['key'][:16]} {people or 'UNMATCHED'}")
        if picked != sel["inspectors"] or reasons != sel["unmatched"]:
            diff(
                f"inspectors of #{position} {sel['id']}: recomputed {people or reasons}, published otherwise",
                f"第 {position} 户 {sel['id']} 的检查人员：重新计算为 {people or reasons}，与公布的不同",
            )
    check_replacements(b, e, members, diff)


REVEALED = ("witness", "effective_seed", "teams", "selection", "replacements")


class Problems(list):
    """The differences found, in English (the lines scripts read), each with its Chinese in ``zh``."""

    def __init__(self):
        super().__init__()
        self.zh: list[str] = []

    def add(self, english: str, chinese: str) -> None:
        self.append(english)
        self.zh.append(chinese)


def verify(b, pool: bytes, inspectors: bytes, classed_data: bytes | None, out) -> Problems:
    problems = Problems()
    diff = problems.add
    ids, classed = check_pool(b, pool, classed_data, diff)
    total, quotas, topups = counts(b)
    out(f"N = {len(ids)}, N_c = {b['pool']['class_sizes']}, T = {total}, n_c = {quotas}, top-up = {topups}")
    out(
        f"名录库 N = {len(ids)} 户，各信用类别户数 N_c = {b['pool']['class_sizes']}，应抽户数 T = {total}，"
        f"各类配额 n_c = {quotas}，补足 = {topups}"
    )
    for name, mine, theirs in (
        ("total_floor", total, b["total_floor"]),
        ("quotas", quotas, b["quotas"]),
        ("topups", topups, b["topups"]),
    ):
        if mine != theirs:
            diff(f"{name}: recomputed {mine}, published {theirs}", f"{name}：重新计算为 {mine}，公布为 {theirs}")
    check_dates(b, diff)
    check_committed_inputs(b, diff)
    rows = read_inspectors(inspectors)
    if sha(inspectors) != b["inspectors"]["sha256"] or len(rows) != b["inspectors"]["count"]:
        diff(
            "the inspector file is not the published one (SHA-256 or number of lines)",
            "检查人员文件与公布的不同（SHA-256 或行数不符）",
        )
    if b["seed"] is None:
        if any(b[k] is not None for k in REVEALED):
            diff(
                "a bundle without its seed must withhold the witness, teams and selection",
                "未公开种子的数据包不得给出见证值、检查组和抽中名单",
            )
        out("The seed is not public yet: the selection cannot be recomputed before it is published.")
        out("种子尚未公开：公开之前无法重新计算抽中名单。")
        return problems
    if any(b[k] is None for k in REVEALED):
        diff(
            "a bundle with its seed must give the witness, teams and selection",
            "公开了种子的数据包必须给出见证值、检查组和抽中名单",
        )
        return problems
    e = check_seed(b, diff)
    check_selection(b, e, ids, classed, quotas, topups, diff)
    check_inspectors(b, e, rows, diff, out)
    check_record(b, diff)
    if classed is None:
        out("Class membership not checked: it needs the classed pool file (restricted to staff and auditors).")
        out("未核验各主体的信用类别：需要分类名录库文件（仅限工作人员和审计人员）。")
    return problems


# The verdict for a citizen reading Chinese, printed beside the English lines (which stay as they
# are: scripts read the last line, OK, and the DIFFERENCE / REFUSED lines). Each detail line has its
# Chinese line after it too: 不一致：… after each DIFFERENCE, the recomputed numbers and table.
VERDICT_OK = "核验一致：公布的抽取结果与按公开文件重新计算的结果完全相同。"
VERDICT_REFUSED = "无法核验：文件不全或格式不对（原因见上一行）。请下载抽取页面列出的全部文件后再试。"


def verdict_differences(count: int) -> str:
    return f"核验不一致：发现 {count} 处与按公开文件重新计算的结果不符（见上方各 DIFFERENCE 行）。"


def main(bundle, files) -> int:
    if len(files) not in (2, 3):
        print(
            "REFUSED: algorithm 2 needs the bundle, the pool file, the inspector file and optionally the "
            "classed pool file"
        )
        print(VERDICT_REFUSED)
        return 2
    try:
        check_form(bundle, SCHEMA)
        problems = verify(bundle, files[0], files[1], files[2] if len(files) == 3 else None, print)
    except Refused as exc:
        print(f"REFUSED: {exc}")
        print(VERDICT_REFUSED)
        return 2
    for problem, chinese in zip(problems, problems.zh):
        print(f"DIFFERENCE: {problem}")
        print(f"不一致：{chinese}")
    if problems:
        print(verdict_differences(len(problems)))
        return 1
    print(VERDICT_OK)
    print("OK")
    return 0
