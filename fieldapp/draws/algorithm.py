"""The draw algorithm as pure functions (no database, no Flask): see docs/draw-algorithm.md.

Everything here is deterministic given the pool, the task's numbers and the effective seed, so
anyone holding the published pool file and bundle can recompute the draw
(``tools/verify_draw.py`` is an independent re-implementation using only the standard library).
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import compress
from typing import NamedTuple

from ..errors import InvalidInput
from .keys import KeyMaker, inspector_key, inspector_message, subject_key  # noqa: F401  (part of this API)

CLASSES = ("A", "B", "C", "D")
TOPUP_ORDER = ("D", "C", "B", "A")  # a shortfall is taken from the riskiest class first
DEFAULT_MULTIPLIERS = {"A": Decimal("0.5"), "B": Decimal("1"), "C": Decimal("2"), "D": Decimal("4")}
ALGORITHM_1 = "fieldapp-draw-1"  # n_c = ceil(N_c·r·m_c): draws made before algorithm 2
ALGORITHM_2 = "fieldapp-draw-2"  # n_c = round_half_up(N_c·r·m_c), classes kept internal
ALGORITHM = ALGORITHM_2  # new draws
# Inspector keys computed at once while matching (bounds the memory of a large draw).
MATCH_BATCH_KEYS = 250_000


class DrawError(InvalidInput):
    """The task's numbers do not allow a draw (the message says why)."""


# --- the pool -----------------------------------------------------------------------------------


def sort_pool(entries: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Entries ``(id, class)`` sorted by id in UTF-8 byte order (the same as code-point order)."""
    return sorted(entries)


def pool_file(sorted_entries: Sequence[tuple[str, str]]) -> bytes:
    """The canonical pool file: ``ID,CLASS\\n`` per subject, sorted, UTF-8, no header."""
    return "".join([f"{entry[0]},{entry[1]}\n" for entry in sorted_entries]).encode("utf-8")


def digest_pool(sorted_entries: Sequence[tuple], chunk: int = 20_000) -> tuple[str, bytes, int]:
    """:func:`digest_pool_columns` for a list of ``(id, class)`` pairs."""
    return digest_pool_columns([e[0] for e in sorted_entries], [e[1] for e in sorted_entries], chunk)


def digest_pool_columns(idents: Sequence[str], classes: Sequence[str], chunk: int = 20_000) -> tuple[str, bytes, int]:
    """The pool file's SHA-256 (hex), the file compressed with zlib, and its length, written
    chunk by chunk so that a million-line pool never sits in memory as one string."""
    digest = hashlib.sha256()
    compressor = zlib.compressobj(6)
    parts, length = [], 0
    for start in range(0, len(idents), chunk):
        stop = start + chunk
        data = "".join([f"{i},{c}\n" for i, c in zip(idents[start:stop], classes[start:stop])]).encode("utf-8")
        digest.update(data)
        length += len(data)
        parts.append(compressor.compress(data))
    parts.append(compressor.flush())
    return digest.hexdigest(), b"".join(parts), length


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_pool_file(data: bytes) -> list[tuple[str, str]]:
    text = data.decode("utf-8")
    if text and not text.endswith("\n"):
        raise DrawError("the pool file must end with a newline")
    entries = []
    for line in text.splitlines():
        ident, _, cls = line.partition(",")
        entries.append((ident, cls))
    return entries


# --- how many -----------------------------------------------------------------------------------


def parse_decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DrawError(f"{what} is not a number: {value!r}") from exc
    if not number.is_finite():
        raise DrawError(f"{what} is not a finite number: {value!r}")
    return number


def parse_multipliers(raw: dict | None) -> dict[str, Decimal]:
    """The task's risk multipliers, defaults where absent. No class may be 0 (不免抽)."""
    result = dict(DEFAULT_MULTIPLIERS)
    for cls, value in (raw or {}).items():
        if cls not in CLASSES:
            raise DrawError(f"unknown credit class in the risk multipliers: {cls!r}")
        number = parse_decimal(value, f"the multiplier of class {cls}")
        if number <= 0:
            raise DrawError(f"the multiplier of class {cls} must be greater than 0 (no class is exempt)")
        result[cls] = number
    return result


@dataclass
class Counts:
    pool_size: int  # N
    class_sizes: dict[str, int]  # N_c
    total_floor: int  # T
    quotas: dict[str, int]  # n_c
    topups: dict[str, int]  # the shortfall taken per class

    @property
    def per_class(self) -> dict[str, int]:
        return {c: self.quotas[c] + self.topups[c] for c in CLASSES}

    @property
    def total(self) -> int:
        return sum(self.per_class.values())


def round_half_up(value: Fraction) -> int:
    """The nearest integer, halves up (0.5 → 1, 2.5 → 3): exact for a non-negative fraction."""
    return math.floor(value + Fraction(1, 2))


def compute_counts(
    class_sizes: dict[str, int],
    ratio: Decimal | str | None,
    fixed_count: int | None,
    multipliers: dict[str, Decimal],
    algorithm: str = ALGORITHM,
) -> Counts:
    """T = ceil(N·r) (or the fixed count), n_c = min(N_c, round_half_up(N_c·r·m_c)) (algorithm 2;
    algorithm 1 took the ceiling, forcing every non-empty class to at least one), then the
    shortfall from D, C, B, A.

    Arithmetic is exact (decimals become fractions). With a fixed count and no ratio, the
    per-class ratio is r = T / N.
    """
    if algorithm not in (ALGORITHM_1, ALGORITHM_2):
        raise DrawError(f"unknown algorithm {algorithm!r}")
    rounding = math.ceil if algorithm == ALGORITHM_1 else round_half_up
    sizes = {c: int(class_sizes.get(c, 0)) for c in CLASSES}
    n = sum(sizes.values())
    for cls in CLASSES:
        if multipliers[cls] <= 0:
            raise DrawError(f"the multiplier of class {cls} must be greater than 0 (no class is exempt)")
    r: Fraction | None = None
    if ratio is not None and str(ratio).strip() != "":
        dec = parse_decimal(ratio, "the ratio")
        if dec <= 0 or dec > 1:
            raise DrawError("the ratio must be greater than 0 and at most 1")
        r = Fraction(dec)
    if fixed_count is not None:
        if fixed_count < 1:
            raise DrawError("the fixed count must be at least 1")
        total_floor = min(int(fixed_count), n)
        if r is None:
            r = Fraction(total_floor, n) if n else Fraction(0)
    elif r is None:
        raise DrawError("the task has neither a ratio nor a fixed count")
    else:
        total_floor = math.ceil(n * r)
    quotas = {c: min(sizes[c], rounding(sizes[c] * r * Fraction(multipliers[c]))) for c in CLASSES}
    topups = {c: 0 for c in CLASSES}
    shortfall = total_floor - sum(quotas.values())
    for cls in TOPUP_ORDER:
        if shortfall <= 0:
            break
        take = min(shortfall, sizes[cls] - quotas[cls])
        topups[cls] = take
        shortfall -= take
    return Counts(n, sizes, total_floor, quotas, topups)


# --- seeds and keys -----------------------------------------------------------------------------


def commitment_of(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def effective_seed(seed: bytes, witness: str) -> bytes:
    """E = SHA-256(seed ‖ UTF-8(W))."""
    return hashlib.sha256(seed + witness.encode("utf-8")).digest()


# --- which ones ---------------------------------------------------------------------------------


class Selected(NamedTuple):
    """A selected subject (a named tuple: a draw makes tens of thousands at once)."""

    ident: str
    credit_class: str
    key: bytes
    topup: bool
    place: int = -1  # its place in the sorted pool (not part of the draw: how to find its row)


def _limit(k: int, total: int) -> bytes:
    """A key comfortably above the expected k-th smallest of ``total`` uniform keys: the keys below
    it are kept while the pool is hashed (every key when k is a large share of the pool)."""
    if k <= 0:
        return b""  # no key is below it
    expected = Fraction(k * 3 // 2 + 64, total or 1)
    if k * 4 < total and expected < 1:
        return ((expected.numerator << 256) // expected.denominator).to_bytes(32, "big")
    return b"\xff" * 33  # above every 32-byte key


def select(sorted_entries: Sequence[tuple], counts: Counts, e: bytes) -> list[Selected]:
    """:func:`select_columns` for a list of ``(id, class)`` pairs."""
    return select_columns([entry[0] for entry in sorted_entries], [entry[1] for entry in sorted_entries], counts, e)


def select_columns(idents: Sequence[str], classes: Sequence[str], counts: Counts, e: bytes) -> list[Selected]:
    """In each class the n_c subjects with the smallest keys, then the top-up (the next smallest),
    returned in ascending key order over all classes.

    The pool is hashed once, keeping only the keys below a limit per class (:func:`_limit`); every
    key not kept is above every kept one, so when at least n_c are kept the smallest of them are
    the class's smallest. When fewer are kept (improbable), every key of the class is sorted."""
    make = KeyMaker(e)
    need = {cls: counts.quotas[cls] + counts.topups[cls] for cls in CLASSES}
    limits = dict.fromkeys(set(classes), b"")
    limits.update({cls: _limit(need[cls], counts.class_sizes.get(cls, 0)) for cls in CLASSES})
    kept = make.below(idents, classes, limits)
    # (key, place in the pool): sorted as (key, id) would be, the pool being sorted by id.
    chosen: list[tuple[bytes, int, str, bool]] = []
    for cls in CLASSES:
        if not need[cls]:
            continue
        found = sorted(kept[cls])
        if len(found) < need[cls]:
            places = list(compress(range(len(idents)), map(cls.__eq__, classes)))
            found = sorted(zip(make.many([idents[place] for place in places]), places))
        quota = counts.quotas[cls]
        chosen += [(key, place, cls, rank >= quota) for rank, (key, place) in enumerate(found[: need[cls]])]
    chosen.sort()
    return [Selected(idents[place], cls, key, topup, place) for key, place, cls, topup in chosen]


# --- inspectors ---------------------------------------------------------------------------------


@dataclass
class Team:
    """The inspectors of one department (the initiating one or a participating one) eligible on
    the draw date for the task, before per-subject conflicts and the workload cap."""

    unit_code: str
    certificates: list[str]  # eligible certificate numbers
    cap: int
    label: str = ""
    load: dict[str, int] = field(default_factory=dict)


@dataclass
class TeamMatch:
    unit_code: str
    picked: list[tuple[str, int, bytes]]  # (certificate, rank, key): the first leads
    reason: str = ""  # why fewer than two (the subject is then unmatched for this team)


def rank_inspectors(e_maker: KeyMaker, ident: str, certificates: Iterable[str]) -> list[tuple[bytes, str]]:
    """``(key, certificate)`` in ascending key order; key = HMAC(E, "inspector|id|certificate")."""
    certificates = list(certificates)
    keys = e_maker.many([f"inspector|{ident}|{cert}" for cert in certificates])
    return sorted(zip(keys, certificates))


def match_subject(
    e_maker: KeyMaker,
    ident: str,
    team: Team,
    conflicted: set[str],
    skip: AbstractSet[str] = frozenset(),
    keys: dict[str, bytes] | None = None,
) -> TeamMatch:
    """Two inspectors of ``team`` for subject ``ident``: those without a conflict and under the cap,
    ranked by HMAC(E, "inspector|id|certificate") (``keys``: those HMACs computed beforehand);
    loads are updated when two are found."""
    candidates = [
        c for c in team.certificates if c not in conflicted and c not in skip and team.load.get(c, 0) < team.cap
    ]
    if keys is None:
        ranked = rank_inspectors(e_maker, ident, candidates)
    else:
        ranked = sorted((keys[c], c) for c in candidates)
    if len(ranked) < 2:
        if len(team.certificates) < 2:
            reason = "no_inspectors"
        elif len(team.certificates) - len(conflicted & set(team.certificates)) < 2:
            reason = "conflicts"
        else:
            reason = "workload_cap"
        return TeamMatch(team.unit_code, [], reason)
    picked = [(cert, rank, key) for rank, (key, cert) in enumerate(ranked[:2])]
    for cert, _, _ in picked:
        team.load[cert] = team.load.get(cert, 0) + 1
    return TeamMatch(team.unit_code, picked)


def unmatched_codes(matches: Iterable[TeamMatch]) -> str:
    """Why a subject is unmatched, as stored: ``unit:reason`` per team short of two, ``; `` between."""
    return "; ".join([f"{m.unit_code}:{m.reason}" for m in matches if m.reason])


def match_all(
    selected: Sequence[Selected], teams: Sequence[Team], e: bytes, conflicts: dict[str, set[str]]
) -> dict[str, list[TeamMatch]]:
    """For each selected subject in ascending key order, two inspectors from every team.
    The (subject, inspector) keys are computed a batch of subjects at a time (the message prefix
    ``inspector|id|`` hashed once per subject); the loads and the cap then decide, subject after
    subject, in key order."""
    maker = KeyMaker(e)
    certificates = [cert.encode("utf-8") for team in teams for cert in team.certificates]
    spans, at = [], 0
    for team in teams:
        full = {c for c in team.certificates if team.load.get(c, 0) >= team.cap}
        spans.append((team, at, at + len(team.certificates), full))
        at += len(team.certificates)
    whole = len(spans) == 1  # one team: its keys are every key (no slice to copy)
    batch = max(1, MATCH_BATCH_KEYS // (len(certificates) or 1))
    result: dict[str, list[TeamMatch]] = {}
    for start in range(0, len(selected), batch):
        chunk = selected[start : start + batch]
        chunk_keys = [maker.with_prefix(f"inspector|{sel.ident}|".encode(), certificates) for sel in chunk]
        for sel, keys in zip(chunk, chunk_keys):
            conflicted = conflicts.get(sel.ident)
            result[sel.ident] = [
                _match_team(maker, sel.ident, team, keys if whole else keys[low:high], conflicted, full)
                for team, low, high, full in spans
            ]
    return result


def _match_team(
    maker: KeyMaker, ident: str, team: Team, keys: list[bytes], conflicted: set[str] | None, full: set[str]
) -> TeamMatch:
    """:func:`match_subject` with the team's keys at hand. When no one of the team is conflicted
    or at the cap (``full``: those who are), the two smallest keys are the answer at once."""
    if conflicted or full or len(keys) < 2:
        match = match_subject(maker, ident, team, conflicted or set(), keys=dict(zip(team.certificates, keys)))
    else:
        first_key, second_key = sorted(keys)[:2]  # (distinct: each is a different certificate's)
        first, second = team.certificates[keys.index(first_key)], team.certificates[keys.index(second_key)]
        match = TeamMatch(team.unit_code, [(first, 0, first_key), (second, 1, second_key)])
        team.load[first] = team.load.get(first, 0) + 1
        team.load[second] = team.load.get(second, 0) + 1
    for cert, _, _ in match.picked:
        if team.load[cert] >= team.cap:
            full.add(cert)
    return match
