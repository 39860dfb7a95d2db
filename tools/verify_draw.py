#!/usr/bin/env python3
"""Recompute a published fieldapp draw from its two public files (standard library only).

    python3 verify_draw.py BUNDLE.json POOL.txt INSPECTORS.txt [CLASSED-POOL.txt]   (algorithm 2)
    python3 verify_draw.py BUNDLE.json POOL.txt                                      (algorithm 1)

Prints the recomputed selection (position, id, key, inspectors), then ``OK`` when every published
field is exactly what it recomputes, or a ``DIFFERENCE:`` line for each one that is not. Without
the classed pool file (restricted to staff and auditors) it checks everything but class
membership, and says so. A bundle with an unknown field or a malformed value is refused with one
``REFUSED:`` line. Each verdict is also said in Chinese on a line of its own (before ``OK``, after
the differences or the refusal), and so is each detail: ``不一致：`` after each ``DIFFERENCE:`` line,
the recomputed numbers, a heading above the table in Chinese. The English lines stay as scripts read them. Exit status 0 on OK, 1 on a difference, 2 when refused.
The algorithm is stated in docs/draw-algorithm.md; this file implements it independently of
fieldapp's own code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import sys
from decimal import Decimal
from fractions import Fraction

CLASSES = ("A", "B", "C", "D")
TOPUP_ORDER = ("D", "C", "B", "A")


def fail(message: tuple[str, str]) -> int:
    """A difference: the English line scripts read, then the same in Chinese on a line of its own."""
    print(f"DIFFERENCE: {message[0]}")
    print(f"不一致：{message[1]}")
    return 1


def read_pool(data: bytes):
    """Returns (entries, problem). Entries are (id, class) in file order."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [], ("the pool file is not UTF-8", "名录库文件不是 UTF-8 编码")
    if text and not text.endswith("\n"):
        return [], ("the pool file's last line has no newline", "名录库文件最后一行没有换行符")
    entries = []
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        ident, comma, cls = line.partition(",")
        if not comma or not ident or cls not in CLASSES:
            return entries, (
                f"pool line {number} is not ID,CLASS: {line!r}",
                f"名录库第 {number} 行不是“标识,类别”：{line!r}",
            )
        if entries and entries[-1][0].encode() >= ident.encode():
            return entries, (
                f"pool line {number} is out of byte order (or repeated): {line!r}",
                f"名录库第 {number} 行没有按字节顺序排列（或重复）：{line!r}",
            )
        entries.append((ident, cls))
    return entries, None


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def counts(sizes, ratio, fixed_count, multipliers, rounding=math.ceil):
    """T, n_c and the top-up. Algorithm 1 rounds n_c up (math.ceil), algorithm 2 half up."""
    n = sum(sizes.values())
    r = Fraction(Decimal(ratio)) if ratio not in (None, "") else None
    if fixed_count is not None:
        total = min(int(fixed_count), n)
        if r is None:
            r = Fraction(total, n) if n else Fraction(0)
    else:
        total = math.ceil(n * r)
    quotas = {c: min(sizes[c], rounding(sizes[c] * r * Fraction(Decimal(multipliers[c])))) for c in CLASSES}
    topups = {c: 0 for c in CLASSES}
    short = total - sum(quotas.values())
    for c in TOPUP_ORDER:
        take = max(0, min(short, sizes[c] - quotas[c]))
        topups[c] = take
        short -= take
    return total, quotas, topups


def key(e: bytes, message: str) -> bytes:
    return hmac.new(e, message.encode("utf-8"), hashlib.sha256).digest()


def select(entries, quotas, topups, e):
    chosen = []
    for c in CLASSES:
        ranked = sorted((key(e, ident), ident) for ident, cls in entries if cls == c)
        for index, (k, ident) in enumerate(ranked[: quotas[c] + topups[c]]):
            chosen.append((k, ident, c, index >= quotas[c]))
    chosen.sort()
    return chosen


def match(chosen, bundle, e):
    teams = bundle.get("teams") or []
    load = {t["unit"]: dict(t.get("initial_load") or {}) for t in teams}
    result = {}
    for _k, ident, _c, _topup in chosen:
        picked = []
        for t in teams:
            conflicted = set((t.get("conflicts") or {}).get(ident, []))
            cap = t["workload_cap"]
            candidates = [
                i["certificate"]
                for i in t["inspectors"]
                if i["certificate"] not in conflicted and load[t["unit"]].get(i["certificate"], 0) < cap
            ]
            ranked = sorted((key(e, f"inspector|{ident}|{cert}"), cert) for cert in candidates)
            if len(ranked) < 2:
                continue
            for position, (_, cert) in enumerate(ranked[:2]):
                picked.append((t["unit"], position, cert))
                load[t["unit"]][cert] = load[t["unit"]].get(cert, 0) + 1
        result[ident] = picked
    return result


def main_1(bundle: dict, pool: bytes, verdict_ok: str = "") -> int:
    """A bundle of algorithm 1 (fieldapp-draw-bundle/1), verified as it always was."""
    digest = hashlib.sha256(pool).hexdigest()
    print(f"pool: {len(pool)} bytes, sha256 {digest}")
    print(f"名录库文件：{len(pool)} 字节，sha256 {digest}")
    entries, problem = read_pool(pool)
    if problem:
        return fail(problem)
    first: tuple[str, str] | None = None
    if digest != bundle["pool"]["sha256"]:
        first = (
            f"pool hash {digest} is not the published {bundle['pool']['sha256']}",
            f"名录库哈希 {digest} 与公布的 {bundle['pool']['sha256']} 不符",
        )
    sizes = {c: sum(1 for _, cls in entries if cls == c) for c in CLASSES}
    print("N = {}, N_c = {}".format(len(entries), " ".join(f"{c}:{sizes[c]}" for c in CLASSES)))
    print(
        "名录库 N = {} 户，各信用类别户数 N_c = {}".format(len(entries), " ".join(f"{c}:{sizes[c]}" for c in CLASSES))
    )
    for c in CLASSES:
        if first is None and sizes[c] != bundle["pool"]["class_sizes"].get(c, 0):
            published_size = bundle["pool"]["class_sizes"].get(c, 0)
            first = (
                f"N_{c} is {sizes[c]}, published {published_size}",
                f"N_{c} 为 {sizes[c]}，公布为 {published_size}",
            )
    for c, m in bundle["multipliers"].items():
        if Decimal(m) <= 0:
            return fail((f"multiplier of class {c} is not positive", f"{c} 类的倍数不是正数"))
    total, quotas, topups = counts(sizes, bundle["ratio"], bundle["fixed_count"], bundle["multipliers"])
    print(
        "T = {}, n_c = {}, top-up = {}".format(
            total, " ".join(f"{c}:{quotas[c]}" for c in CLASSES), " ".join(f"{c}:{topups[c]}" for c in CLASSES)
        )
    )
    print(
        "应抽户数 T = {}，各类配额 n_c = {}，补足 = {}".format(
            total, " ".join(f"{c}:{quotas[c]}" for c in CLASSES), " ".join(f"{c}:{topups[c]}" for c in CLASSES)
        )
    )
    for name, mine in (("n", quotas), ("top-up", topups)):
        key_name = "quotas" if name == "n" else "topups"
        for c in CLASSES:
            if first is None and mine[c] != bundle[key_name].get(c, 0):
                theirs = bundle[key_name].get(c, 0)
                first = (f"{name}_{c} is {mine[c]}, published {theirs}", f"{name}_{c} 为 {mine[c]}，公布为 {theirs}")

    if bundle.get("seed") is None:
        print("The seed is not public yet (the selection is published after the inspections).")
        print("种子尚未公开（抽中名单在检查结束后公布）。")
        return fail(first) if first else 0
    seed = bytes.fromhex(bundle["seed"])
    if first is None and hashlib.sha256(seed).hexdigest() != bundle["commitment"]["sha256"]:
        first = ("SHA-256(seed) is not the published commitment", "种子的 SHA-256 与公布的承诺不符")
    e = hashlib.sha256(seed + (bundle.get("witness") or "").encode("utf-8")).digest()
    if first is None and e.hex() != bundle.get("effective_seed"):
        first = ("the effective seed is not SHA-256(seed || witness)", "有效种子不等于 SHA-256(种子 || 见证值)")

    chosen = select(entries, quotas, topups, e)
    matched = match(chosen, bundle, e)
    published = bundle.get("selection") or []
    print("重新计算的抽中名单：序号、主体标识、类别、密钥前 16 位（top-up 为补足）、检查人员（检查组:证号，* 为主查）")
    for position, (k, ident, c, topup) in enumerate(chosen, start=1):
        people = " ".join(f"{team}:{cert}{'*' if pos == 0 else ''}" for team, pos, cert in matched[ident])
        print(f"{position:6d} {ident} {c} {k.hex()[:16]}{' top-up' if topup else ''} {people or 'UNMATCHED'}")
        if first is None:
            if position > len(published):
                first = (
                    f"selection #{position} {ident} is not in the published list",
                    f"抽中第 {position} 户 {ident} 不在公布的名单中",
                )
            else:
                theirs = published[position - 1]
                if (theirs["id"], theirs["class"], theirs["key"]) != (ident, c, k.hex()):
                    first = (
                        f"selection #{position}: recomputed {ident} {c}, published {theirs['id']} {theirs['class']}",
                        f"抽中第 {position} 户：重新计算为 {ident} {c}，公布为 {theirs['id']} {theirs['class']}",
                    )
                else:
                    mine = sorted(matched[ident])
                    pub = sorted((i["team"], i["position"], i["certificate"]) for i in theirs.get("inspectors", []))
                    if mine != pub:
                        first = (
                            f"inspectors of #{position} {ident}: recomputed {mine}, published {pub}",
                            f"第 {position} 户 {ident} 的检查人员：重新计算为 {mine}，公布为 {pub}",
                        )
    if first is None and len(published) != len(chosen):
        first = (
            f"the published list has {len(published)} subjects, recomputed {len(chosen)}",
            f"公布的名单有 {len(published)} 户，重新计算为 {len(chosen)} 户",
        )
    if first:
        return fail(first)
    if verdict_ok:
        print(verdict_ok)
    print("OK")
    return 0


def main(argv: list[str]) -> int:
    import importlib.util
    import os

    spec = importlib.util.spec_from_file_location(
        "verify_draw_2", os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify_draw_2.py")
    )
    v2 = importlib.util.module_from_spec(spec)  # algorithm 2: the file beside this one
    spec.loader.exec_module(v2)

    args = argv[1:]
    if len(args) < 2 or len(args) > 4:
        print(__doc__.strip())
        return 2
    try:
        with open(args[0], "rb") as fh:
            bundle = json.loads(fh.read().decode("utf-8"))
        files = []
        for path in args[1:]:
            with open(path, "rb") as fh:
                files.append(fh.read())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"REFUSED: cannot read the files: {exc}")
        print(v2.VERDICT_REFUSED)
        return 2
    if not isinstance(bundle, dict):
        print("REFUSED: the bundle is not a JSON object")
        print(v2.VERDICT_REFUSED)
        return 2
    if bundle.get("format") == "fieldapp-draw-bundle/1" and len(files) == 1:
        try:
            code = main_1(bundle, files[0], v2.VERDICT_OK)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            print(f"REFUSED: malformed bundle of algorithm 1 ({type(exc).__name__}: {exc})")
            print(v2.VERDICT_REFUSED)
            return 2
        if code == 1:
            print(v2.verdict_differences(1))
        return code
    return v2.main(bundle, files)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
