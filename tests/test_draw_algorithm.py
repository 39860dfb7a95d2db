"""Hand-computed cases for the draw's numbers and ranking (pure functions, no database)."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from fractions import Fraction

import pytest

from fieldapp.draws import algorithm
from fieldapp.draws.algorithm import DEFAULT_MULTIPLIERS, DrawError, compute_counts, parse_multipliers


def test_five_percent_of_100_is_5_not_6():
    # 0.05 as a float is 0.05000000000000000277…, whose ceil(100 × r) would be 6.
    counts = compute_counts({"B": 100}, Decimal("0.05"), None, DEFAULT_MULTIPLIERS)
    assert counts.total_floor == 5
    assert counts.quotas == {"A": 0, "B": 5, "C": 0, "D": 0}
    assert counts.total == 5


def test_ceil_on_exact_decimals_per_class():
    # N = 20 + 50 + 20 + 10 = 100, r = 5 %: T = 5.
    # A: 20 × 0.05 × 0.5 = 0.5 → 1; B: 50 × 0.05 = 2.5 → 3; C: 20 × 0.05 × 2 = 2; D: 10 × 0.05 × 4 = 2.
    counts = compute_counts({"A": 20, "B": 50, "C": 20, "D": 10}, "0.05", None, DEFAULT_MULTIPLIERS)
    assert counts.total_floor == 5
    assert counts.quotas == {"A": 1, "B": 3, "C": 2, "D": 2}
    assert counts.topups == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_class_quota_never_exceeds_class_size():
    # D: 3 × 0.5 × 4 = 6 → min(3, 6) = 3.
    counts = compute_counts({"B": 10, "D": 3}, "0.5", None, DEFAULT_MULTIPLIERS)
    assert counts.quotas["D"] == 3
    assert counts.quotas["B"] == 5


def test_shortfall_is_topped_up_in_order_d_c_b_a():
    # Multipliers that undershoot: all 0.1. N = 400, r = 0.5 → T = 200.
    # n_c = ceil(100 × 0.5 × 0.1) = 5 each → 20; shortfall 180: D takes 95, C takes 85, B and A none.
    m = {c: Decimal("0.1") for c in "ABCD"}
    counts = compute_counts({c: 100 for c in "ABCD"}, "0.5", None, m)
    assert counts.total_floor == 200
    assert counts.quotas == {c: 5 for c in "ABCD"}
    assert counts.topups == {"D": 95, "C": 85, "B": 0, "A": 0}
    assert counts.total == 200


def test_shortfall_continues_to_b_and_a_when_d_and_c_are_exhausted():
    # Algorithm 1 (ceil), as its draws keep verifying:
    # D and C are tiny: T = ceil(0.9 × 104) = 94; n: A ceil(50×.9×.1)=5, B 5, C ceil(2×.9×.1)=1, D 1.
    # shortfall 94 − 12 = 82: D +1 (to 2), C +1 (to 2), B +45 (to 50), A +35.
    m = {c: Decimal("0.1") for c in "ABCD"}
    counts = compute_counts({"A": 50, "B": 50, "C": 2, "D": 2}, "0.9", None, m, algorithm.ALGORITHM_1)
    assert counts.total_floor == 94
    assert counts.quotas == {"A": 5, "B": 5, "C": 1, "D": 1}
    assert counts.topups == {"D": 1, "C": 1, "B": 45, "A": 35}


def test_fixed_count_replaces_the_floor():
    counts = compute_counts({"B": 100, "D": 100}, None, 10, DEFAULT_MULTIPLIERS)
    # r = 10 / 200 = 0.05: B ceil(5) = 5, D ceil(20) = 20.
    assert counts.total_floor == 10
    assert counts.quotas == {"A": 0, "B": 5, "C": 0, "D": 20}


def test_no_class_may_be_exempt():
    with pytest.raises(DrawError):
        parse_multipliers({"A": "0"})
    with pytest.raises(DrawError):
        parse_multipliers({"A": -1})
    with pytest.raises(DrawError):
        parse_multipliers({"E": 1})
    assert parse_multipliers({"A": "0.25"})["A"] == Decimal("0.25")


def test_a_ratio_is_required_and_bounded():
    with pytest.raises(DrawError):
        compute_counts({"B": 10}, None, None, DEFAULT_MULTIPLIERS)
    with pytest.raises(DrawError):
        compute_counts({"B": 10}, "1.5", None, DEFAULT_MULTIPLIERS)


def test_canonical_pool_file_and_hash():
    entries = algorithm.sort_pool([("92140602MA0X", "C"), ("140602600012345", "B"), ("91140602MA0Y", "A")])
    data = algorithm.pool_file(entries)
    assert data == b"140602600012345,B\n91140602MA0Y,A\n92140602MA0X,C\n"
    assert algorithm.sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_ranking_recomputed_independently():
    seed = bytes(range(32))
    witness = "见证人 王五"
    e = hashlib.sha256(seed + witness.encode("utf-8")).digest()
    assert algorithm.effective_seed(seed, witness) == e
    ids = [f"9114060200000000{i:02d}" for i in range(12)]
    entries = [(i, "B") for i in ids]
    counts = compute_counts({"B": 12}, "0.25", None, DEFAULT_MULTIPLIERS)  # ceil(3) = 3
    chosen = algorithm.select(entries, counts, e)
    by_hand = sorted(ids, key=lambda i: int.from_bytes(hmac.new(e, i.encode(), hashlib.sha256).digest(), "big"))
    assert [s.ident for s in chosen] == by_hand[:3]
    assert [s.key for s in chosen] == [hmac.new(e, i.encode(), hashlib.sha256).digest() for i in by_hand[:3]]


def test_topup_takes_the_next_smallest_keys():
    e = hashlib.sha256(b"seed").digest()
    ids = [f"ID{i:03d}" for i in range(40)]
    entries = [(i, "D") for i in ids]
    counts = algorithm.Counts(
        40, {"A": 0, "B": 0, "C": 0, "D": 40}, 6, {"A": 0, "B": 0, "C": 0, "D": 4}, {"A": 0, "B": 0, "C": 0, "D": 2}
    )
    chosen = algorithm.select(entries, counts, e)
    ranked = sorted(ids, key=lambda i: hmac.new(e, i.encode(), hashlib.sha256).digest())
    assert [s.ident for s in chosen] == ranked[:6]
    assert [s.topup for s in chosen] == [False] * 4 + [True] * 2


def test_large_class_uses_the_same_smallest_keys_as_a_full_sort():
    e = hashlib.sha256(b"another seed").digest()
    ids = [f"X{i:06d}" for i in range(5000)]
    counts = compute_counts({"C": 5000}, "0.01", None, {c: Decimal(1) for c in "ABCD"})
    chosen = algorithm.select([(i, "C") for i in ids], counts, e)
    full = sorted(ids, key=lambda i: hmac.new(e, i.encode(), hashlib.sha256).digest())[:50]
    assert [s.ident for s in chosen] == full
    assert [ids[s.place] for s in chosen] == full  # each one's place in the pool (to find its row)


def test_too_few_keys_under_the_limit_sorts_the_whole_class(monkeypatch):
    e = hashlib.sha256(b"a third seed").digest()
    ids = [f"Y{i:05d}" for i in range(3000)]
    entries = [(i, "BA"[n % 2]) for n, i in enumerate(ids)]
    counts = compute_counts({"A": 1500, "B": 1500}, "0.01", None, {c: Decimal(1) for c in "ABCD"})
    expected = algorithm.select(entries, counts, e)
    monkeypatch.setattr(algorithm, "_limit", lambda k, total: b"\x00\x01")  # keeps (almost) nothing
    assert algorithm.select(entries, counts, e) == expected  # the places in the pool too
    assert all(entries[s.place] == (s.ident, s.credit_class) for s in expected)
    for cls in "AB":
        members = [i for i, c in entries if c == cls]
        full = sorted(members, key=lambda i: hmac.new(e, i.encode(), hashlib.sha256).digest())[:15]
        assert [s.ident for s in expected if s.credit_class == cls] == full


def test_keymaker_is_hmac_sha256():
    for key in (b"", b"k" * 32, b"x" * 64, b"y" * 100):
        assert algorithm.KeyMaker(key)(b"message") == hmac.new(key, b"message", hashlib.sha256).digest()


def test_inspectors_ranked_by_hmac_first_two_and_lead():
    e = hashlib.sha256(b"e").digest()
    certs = [f"C{i}" for i in range(5)]
    team = algorithm.Team("140602", certs, cap=10)
    match = algorithm.match_subject(algorithm.KeyMaker(e), "SUBJ", team, conflicted={"C0"})
    expected = sorted(
        (c for c in certs if c != "C0"),
        key=lambda c: hmac.new(e, f"inspector|SUBJ|{c}".encode(), hashlib.sha256).digest(),
    )
    assert [p[0] for p in match.picked] == expected[:2]
    assert team.load == {expected[0]: 1, expected[1]: 1}


def test_fewer_than_two_is_unmatched_with_a_reason():
    e = hashlib.sha256(b"e").digest()
    maker = algorithm.KeyMaker(e)
    assert algorithm.match_subject(maker, "S", algorithm.Team("x", [], 5), set()).reason == "no_inspectors"
    assert algorithm.match_subject(maker, "S", algorithm.Team("x", ["a"], 5), set()).reason == "no_inspectors"
    assert algorithm.match_subject(maker, "S", algorithm.Team("x", ["a", "b"], 5), {"a"}).reason == "conflicts"
    team = algorithm.Team("x", ["a", "b", "c"], 1, load={"a": 1, "b": 1})
    result = algorithm.match_subject(maker, "S", team, set())
    assert result.reason == "workload_cap" and result.picked == []


def test_streamed_pool_digest_is_the_pool_file():
    import zlib

    entries = [(f"ID{i:07d}", "ABCD"[i % 4]) for i in range(45_001)]
    digest, compressed, length = algorithm.digest_pool(entries, chunk=10_000)
    data = algorithm.pool_file(entries)
    assert zlib.decompress(compressed) == data and length == len(data)
    assert digest == hashlib.sha256(data).hexdigest()


def test_keys_computed_in_batches_give_the_same_draw(monkeypatch):
    messages = [f"9114060200{i:08d}" for i in range(1001)]
    e = hashlib.sha256(b"par").digest()
    entries = [(m, "ABCD"[i % 4]) for i, m in enumerate(messages)]
    counts = compute_counts({c: 250 + (c == "A") for c in "ABCD"}, "0.1", None, DEFAULT_MULTIPLIERS)
    whole = algorithm.select(entries, counts, e)
    teams = [algorithm.Team("t", [f"C{i}" for i in range(7)], cap=30)]
    matched = algorithm.match_all(whole, teams, e, {whole[0].ident: {"C1"}})
    monkeypatch.setattr(algorithm, "MATCH_BATCH_KEYS", 50)  # several batches
    assert algorithm.select(entries, counts, e) == whole
    teams2 = [algorithm.Team("t", [f"C{i}" for i in range(7)], cap=30)]
    assert algorithm.match_all(whole, teams2, e, {whole[0].ident: {"C1"}}) == matched


# --- algorithm 2: round half up, no class forced to one -------------------------------------------


def test_three_subjects_at_one_percent_draw_one():
    # T = ceil(3 × 0.01) = 1. B: 3 × 0.01 × 1 = 0.03 → 0 (algorithm 1 took 1 per class: 2 of 3 with
    # a C beside it). The shortfall of 1 comes from D, C, B, A in that order: here the C.
    counts = compute_counts({"B": 2, "C": 1}, "0.01", None, DEFAULT_MULTIPLIERS)
    assert counts.total_floor == 1 and counts.quotas == {"A": 0, "B": 0, "C": 0, "D": 0}
    assert counts.topups == {"A": 0, "B": 0, "C": 1, "D": 0} and counts.total == 1
    assert compute_counts({"B": 3}, "0.01", None, DEFAULT_MULTIPLIERS).total == 1
    # Three subjects at 5 %, one per class B, C, D: 1 drawn (algorithm 1 drew all 3).
    five = compute_counts({"B": 1, "C": 1, "D": 1}, "0.05", None, DEFAULT_MULTIPLIERS)
    assert five.total == 1 and five.per_class == {"A": 0, "B": 0, "C": 0, "D": 1}
    old = compute_counts({"B": 1, "C": 1, "D": 1}, "0.05", None, DEFAULT_MULTIPLIERS, algorithm.ALGORITHM_1)
    assert old.total == 3


@pytest.mark.parametrize(
    ("n_c", "ratio", "multiplier", "expected"),
    [
        (10, "0.05", "1", 1),  # 0.5 exactly → 1 (half up)
        (30, "0.05", "1", 2),  # 1.5 → 2
        (50, "0.05", "1", 3),  # 2.5 → 3
        (9, "0.05", "1", 0),  # 0.45 → 0
        (20, "0.05", "0.5", 1),  # 0.5 → 1
        (70, "0.01", "0.5", 0),  # 0.35 → 0
        (25, "0.1", "0.2", 1),  # 0.5 → 1 (exact decimals: 0.1 × 0.2 is not 0.020000000000000004 here)
        (49, "0.02", "0.5", 0),  # 0.49 → 0
        (3, "0.5", "1", 2),  # 1.5 → 2
        (5, "0.5", "1", 3),  # 2.5 → 3
    ],
)
def test_round_half_up_at_the_half(n_c, ratio, multiplier, expected):
    m = dict(DEFAULT_MULTIPLIERS, B=Decimal(multiplier))
    assert compute_counts({"B": n_c}, ratio, None, m).quotas["B"] == expected
    assert algorithm.round_half_up(Fraction(2 * expected - 1, 2) if expected else Fraction(0)) == expected


def test_topup_order_d_c_b_a_each_up_to_its_size():
    # N = 10 + 10 + 2 + 1 = 23, r = 0.5 → T = 12. Multipliers 0.1: n_A = n_B = round(0.5) = 1, n_C = round(0.1) = 0,
    # n_D = round(0.05) = 0 → 2; shortfall 10: D +1 (all of D), C +2 (all of C), B +7; A none.
    m = {c: Decimal("0.1") for c in "ABCD"}
    counts = compute_counts({"A": 10, "B": 10, "C": 2, "D": 1}, "0.5", None, m)
    assert counts.total_floor == 12
    assert counts.quotas == {"A": 1, "B": 1, "C": 0, "D": 0}
    assert counts.topups == {"D": 1, "C": 2, "B": 7, "A": 0}
    assert counts.total == 12


def test_a_draw_gives_the_same_selection_and_inspectors_as_before_any_speed_work():
    """The draw's output pinned byte for byte: the selection's canonical JSON (ids, keys, inspectors
    with their ranks and keys, unmatched reasons) as the chain record hashes it, for a fixed seed, a
    3,000-subject pool of four classes, a team with a load near its cap and a conflict, a team with
    conflicts and a team of one. The hash was computed by the code before the speed work of issue
    #14: any change to what a draw gives fails here."""
    from fieldapp.draws.bundle import selection_pieces

    e = algorithm.effective_seed(hashlib.sha256(b"golden seed").digest(), "见证人 2026-01-01")
    pool = sorted((f"91140602{n * 7919 % 100000:09d}X", "ABBBCCDD"[n % 8]) for n in range(3000))
    idents, classes = [i for i, _ in pool], [c for _, c in pool]
    sizes = {c: classes.count(c) for c in algorithm.CLASSES}
    counts = compute_counts(sizes, Decimal("0.05"), None, algorithm.parse_multipliers(None))
    selected = algorithm.select_columns(idents, classes, counts, e)
    teams = [
        algorithm.Team("140602", [f"证{n:03d}" for n in range(7)], cap=40, load={"证002": 38}),
        algorithm.Team("city-metrology", ["M1", "M2", "M3"], cap=500),
        algorithm.Team("city-food", ["F1"], cap=500),
    ]
    conflicts = {selected[3].ident: {"证001", "M2"}, selected[10].ident: {"M1", "M3"}}
    matches = algorithm.match_all(selected, teams, e, conflicts)
    names = {cert: f"检查员{cert}" for team in teams for cert in team.certificates}
    selection = b"".join(selection_pieces(selected, matches, names))
    assert len(selected) == 290
    assert hashlib.sha256(selection).hexdigest() == "751c8d52c2790a92ad498fd54f4db72cec96b7510a42f0a26e05b928e81ea828"
