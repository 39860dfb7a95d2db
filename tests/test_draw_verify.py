"""Verification of algorithm 2: tools/verify_draw.py on the public files (and the classed one),
``flask draw verify`` on the frozen files and the public chain; algorithm 1 draws keep verifying."""

from __future__ import annotations

import copy
from decimal import Decimal
import importlib.util
import json
from pathlib import Path

from factories.cli import english_words
from factories.draws import draw_day, make_subjects, make_task, make_team, unit  # noqa: F401

from draw_verification import run_verify_draw
from fieldapp.draws import algorithm, chain, operations
from fieldapp.draws.bundle import build_bundle
from fieldapp.draws.operations import pool_bytes, public_pool_bytes

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("verify_draw_2", ROOT / "tools" / "verify_draw_2.py")
v2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(v2)


def in_process(bundle, pool, inspectors, classed=None) -> list[str]:
    """The tool's verdict without a process per call: the problems, or the refusal."""
    try:
        v2.check_form(bundle, v2.SCHEMA)
        return v2.verify(bundle, pool, inspectors, classed, lambda line: None)
    except v2.Refused as exc:
        return [f"REFUSED: {exc}"]


def drawn(db, witness="市民张三", **fields):
    task = make_task(**{"ratio": "0.1", **fields})
    make_subjects({"A": 20, "B": 30, "C": 10, "D": 5})
    make_team(count=6)
    db.session.commit()
    commitment = operations.commit(task, 1, unit("140602"))
    draw, _ = operations.run_draw(commitment, witness)
    return draw


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def changed_by_one_character(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value + 1
    if value == "":
        return "x"
    last = value[-1]
    return value[:-1] + ("b" if last == "a" else "a" if last.isalnum() and last != "a" else "0")


def test_public_files_verify_everything_but_class_membership_and_the_classed_file_completes_it(db, tmp_path):
    draw = drawn(db)
    bundle = build_bundle(draw)
    assert bundle["algorithm"] == "fieldapp-draw-2" and bundle["record"]["sha256"]
    ok = run_verify_draw(tmp_path, bundle, public_pool_bytes(draw), draw.inspectors_file)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.strip().endswith("OK") and "Class membership not checked" in ok.stdout
    assert ok.stdout.strip().splitlines()[-2].startswith("核验一致：")
    full = run_verify_draw(tmp_path, bundle, public_pool_bytes(draw), draw.inspectors_file, pool_bytes(draw))
    assert full.returncode == 0, full.stdout
    assert "not checked" not in full.stdout
    for sel in draw.selections:
        assert sel.ident in full.stdout


def test_each_bundle_field_changed_by_one_character_is_detected(db):
    draw = drawn(db)
    bundle = build_bundle(draw)
    pool, inspectors, classed = public_pool_bytes(draw), draw.inspectors_file, pool_bytes(draw)
    assert in_process(bundle, pool, inspectors, classed) == []
    checked = 0
    for path, value in leaves(bundle):
        new = changed_by_one_character(value)
        if new is None:
            continue
        forged = copy.deepcopy(bundle)
        target = forged
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = new
        assert in_process(forged, pool, inspectors), f"{'.'.join(map(str, path))}: {value!r} → {new!r} unnoticed"
        checked += 1
    assert checked > 100


def test_changed_pool_lines_and_swapped_classes_are_detected(db):
    draw = drawn(db)
    bundle = build_bundle(draw)
    pool, inspectors, classed = public_pool_bytes(draw), draw.inspectors_file, pool_bytes(draw)
    lines = pool.decode().splitlines(keepends=True)
    lines[3] = lines[3][:-2] + ("Y" if lines[3][-2] != "Y" else "Z") + "\n"
    assert any("pool file" in p for p in in_process(bundle, "".join(lines).encode(), inspectors))
    # Two subjects' classes swapped in the classed file: the counts stay, the commitment breaks.
    rows = classed.decode().splitlines(keepends=True)
    a = next(i for i, r in enumerate(rows) if r.endswith(",A\n"))
    d = next(i for i, r in enumerate(rows) if r.endswith(",D\n"))
    rows[a], rows[d] = rows[a][:-2] + "D\n", rows[d][:-2] + "A\n"
    problems = in_process(bundle, pool, inspectors, "".join(rows).encode())
    assert any("classed pool file's SHA-256 is not the published commitment" in p for p in problems)
    # A changed inspector line.
    bad = inspectors.replace(b"SC0001", b"SC0009", 1)
    assert any("inspector file" in p for p in in_process(bundle, pool, bad))


def test_unknown_fields_and_malformed_values_are_refused_in_one_line(db, tmp_path):
    draw = drawn(db)
    bundle = build_bundle(draw)
    pool, inspectors = public_pool_bytes(draw), draw.inspectors_file
    cases = []
    forged = copy.deepcopy(bundle)
    forged["ratio"] = "0.1x"
    cases.append((forged, "malformed value of bundle.ratio"))
    forged = copy.deepcopy(bundle)
    del forged["multipliers"]["C"]
    cases.append((forged, "missing field bundle.multipliers.C"))
    forged = copy.deepcopy(bundle)
    forged["pool"]["note"] = "x"
    cases.append((forged, "unknown field bundle.pool.note"))
    forged = copy.deepcopy(bundle)
    forged["selection"][0]["key"] = 5
    cases.append((forged, "malformed value of bundle.selection[0].key"))
    for forged, message in cases:
        result = run_verify_draw(tmp_path, forged, pool, inspectors)
        assert result.returncode == 2 and result.stderr == ""
        assert result.stdout.strip() == f"REFUSED: {message}" or result.stdout.startswith(f"REFUSED: {message}")
        lines = result.stdout.strip().splitlines()
        assert len(lines) == 2 and lines[1].startswith("无法核验：")  # the verdict, said in Chinese too


def test_a_ratio_edited_from_0_2000_to_0_1999_is_detected(db):
    draw = drawn(db, ratio="0.2000")
    bundle = build_bundle(draw)
    assert Decimal(bundle["ratio"]) == Decimal("0.2")
    bundle["ratio"] = str(Decimal(bundle["ratio"]) - Decimal("0.0001"))  # 0.2000… → 0.1999…
    problems = in_process(bundle, public_pool_bytes(draw), draw.inspectors_file)
    assert any("recorded in the chain" in p for p in problems)


def verify_cli(runner, draw, *extra):
    return runner.invoke(args=["draw", "verify", str(draw.id), *extra])


def test_flask_draw_verify_uses_frozen_files_and_the_chain(db, runner):
    task = make_task(ratio="1", rounds_per_year=2)
    subjects = make_subjects({"B": 6})
    make_team(count=2)
    db.session.commit()
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "w")
    assert verify_cli(runner, draw).exit_code == 0
    # The directory changes under the draw: no false alarm (the pool file was frozen with it).
    subjects[0].credit_class = "D"
    db.session.commit()
    result = verify_cli(runner, draw)
    assert result.exit_code == 0 and result.output.strip().endswith("核验通过：重新计算的结果与记录一致。"), (
        result.output
    )
    head = chain.head().sha256
    # A consistent rewrite in the database: new witness, its effective seed, the selection's keys,
    # order and inspectors recomputed. Every stored field agrees; the chain does not.
    seed = bytes.fromhex(draw.commitment.seed_hex)
    e = algorithm.effective_seed(seed, "chosen")
    counts = algorithm.Counts(draw.pool_size, draw.class_sizes, draw.total_floor, draw.quotas, draw.topups)
    chosen = algorithm.select(algorithm.parse_pool_file(pool_bytes(draw)), counts, e)
    certs = sorted(i["certificate"] for i in draw.teams[0]["inspectors"])
    matches = algorithm.match_all(chosen, [algorithm.Team("140602", certs, 40)], e, {})
    by_ident = {s.ident: s for s in draw.selections}
    for sel in draw.selections:
        sel.position += 1000
    db.session.flush()
    for position, picked in enumerate(chosen):
        sel = by_ident[picked.ident]
        sel.position, sel.key_hex = position, picked.key.hex()
        for assignment in sel.assignments:
            for pos, (cert, rank, key) in enumerate(matches[picked.ident][0].picked):
                if cert == assignment.certificate_number:
                    assignment.position, assignment.rank, assignment.key_hex = pos, rank, key.hex()
    draw.witness, draw.effective_seed_hex = "chosen", e.hex()
    db.session.commit()
    result = verify_cli(runner, draw)
    assert result.exit_code == 1 and "不一致：链：存储的抽取与抽取时记录的不一致" in result.output
    assert "抽中第" not in result.output  # the rewrite was consistent
    assert english_words(result.output) == [], result.output
    # Rewriting the record too breaks the chain against the head published before.
    from fieldapp.draws.files import canonical_json, sha256_hex
    from fieldapp.draws.bundle import bundle_core_sha256

    record = chain.record_of_draw(draw.id)
    body = json.loads(record.body)
    body["bundle_sha256"] = bundle_core_sha256(draw)
    record.body = canonical_json(body).decode()
    record.sha256 = sha256_hex(canonical_json(body))
    db.session.commit()
    result = verify_cli(runner, draw, "--head", head)
    assert result.exit_code == 1 and "不一致：链：已公布的链头" in result.output
    assert "抽取时记录" not in result.output


def test_seed_or_stored_pool_changed_in_the_database_is_detected(db, runner):
    draw = drawn(db)
    import zlib

    data = pool_bytes(draw).replace(b",A\n", b",B\n", 1)
    draw.pool_file = zlib.compress(data)
    db.session.commit()
    result = verify_cli(runner, draw)
    assert result.exit_code == 1 and "不一致：名录：重新计算的 N_c" in result.output
    draw.pool_file = zlib.compress(pool_bytes(draw).replace(b",B\n", b",A\n", 1))
    draw.commitment.seed_hex = "11" * 32
    db.session.commit()
    result = verify_cli(runner, draw)
    assert result.exit_code == 1 and "不一致：承诺：种子的哈希值" in result.output


def test_verifying_round_two_after_a_redraw_of_round_one_has_no_false_alarm(db, runner):
    task = make_task(ratio="0.5", rounds_per_year=2)
    make_subjects({"B": 10})
    make_team()
    db.session.commit()
    first, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    second, _ = operations.run_draw(operations.commit(task, 2, unit("140602")), "")
    operations.run_draw(operations.commit(task, 1, unit("140602"), redraw_reason="见证人未到场"), "")
    result = verify_cli(runner, second)
    assert result.exit_code == 0, result.output
    assert verify_cli(runner, first).exit_code == 0


def test_algorithm_1_draws_keep_verifying_as_they_are(db, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(algorithm, "ALGORITHM", algorithm.ALGORITHM_1)
    draw = drawn(db)
    assert draw.algorithm == "fieldapp-draw-1"
    bundle = build_bundle(draw)
    assert bundle["format"] == "fieldapp-draw-bundle/1"
    result = run_verify_draw(tmp_path, bundle, pool_bytes(draw))
    assert result.returncode == 0 and result.stdout.strip().endswith("OK"), result.stdout
    assert verify_cli(runner, draw).exit_code == 0


def test_a_record_appended_by_another_draw_a_moment_ago_is_followed_not_a_failure(db, runner, monkeypatch):
    task = make_task(ratio="0.5", rounds_per_year=2)
    make_subjects({"B": 10})
    make_team()
    db.session.commit()
    commitment = operations.commit(task, 1, unit("140602"))
    other = operations.commit(task, 2, unit("140602"))
    real_head, calls = chain.head, []

    def stale_head():  # the first time: the head as it was before ``other`` was published
        calls.append(1)
        if len(calls) == 1:
            return chain.record_of_commitment(commitment.id, "commitment")
        return real_head()

    monkeypatch.setattr(chain, "head", stale_head)
    draw, created = operations.run_draw(commitment, "")
    assert created and len(calls) >= 2
    monkeypatch.setattr(chain, "head", real_head)
    assert chain.check_chain() == []
    assert chain.record_of_draw(draw.id).previous == chain.record_of_commitment(other.id, "commitment").sha256
    assert verify_cli(runner, draw).exit_code == 0


def test_a_draw_outside_its_window_carries_its_reason_and_verifies(db, tmp_path):
    task = make_task(ratio="0.2", window_start_month=6, window_end_month=7)  # April is outside
    make_subjects({"B": 10})
    make_team()
    db.session.commit()
    commitment = operations.commit(task, 1, unit("140602"), exception_reason="上级督办，提前抽取")
    draw, _ = operations.run_draw(commitment, "")
    bundle = build_bundle(draw)
    assert bundle["commitment"]["exception_reason"] == "上级督办，提前抽取" and bundle["commitment"]["exceptions"]
    ok = run_verify_draw(tmp_path, bundle, public_pool_bytes(draw), draw.inspectors_file)
    assert ok.returncode == 0, ok.stdout
    bundle["commitment"]["exception_reason"] = ""
    assert in_process(bundle, public_pool_bytes(draw), draw.inspectors_file)
