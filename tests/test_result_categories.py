"""The result code table has one reader (fieldapp/checklists/results.py); review and publication ask it."""

from __future__ import annotations

import ast
from pathlib import Path

from fieldapp.checklists.results import result_table
from fieldapp.publication.categories import categories, category, follow_up_public_wording
from fieldapp.review.codes import measure_labels, measures_for_findings, result_label

SOURCE = Path(__file__).resolve().parent.parent / "fieldapp"
OWNER = SOURCE / "checklists" / "results.py"


def _table_paths(path: Path) -> list[str]:
    """String literals naming the table file (not prose: docstrings and messages have spaces)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    in_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "result_categories" in node.value
            and not any(ch.isspace() for ch in node.value)
            and id(node) not in in_fstring
        ):
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_only_results_py_reads_the_result_table():
    readers = [hit for path in sorted(SOURCE.rglob("*.py")) if path != OWNER for hit in _table_paths(path)]
    assert readers == [], "ask fieldapp.checklists.results.result_table() instead of reading the file: " + ", ".join(
        readers
    )


def test_the_scan_finds_a_second_reader(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        'DATA = ROOT / "data" / "result_categories.yaml"\nPATH = "data/result_categories.yaml"\n'
        'MESSAGE = f"{code} is not in data/result_categories.yaml"\n',
        encoding="utf-8",
    )
    assert len(_table_paths(probe)) == 2
    assert _table_paths(OWNER), "the owner itself names the file, so the scan can see it"


def test_review_and_publication_labels_come_from_the_table(app):
    table = result_table()
    with app.app_context():
        assert result_label("E") == table.categories["E"].label.zh == "发现问题已责令改正"
        assert result_label("B,6") == "未按规定公示应当公示的信息；通过登记的住所（经营场所）无法联系"
        assert result_label("") == "—" and result_label("Z") == "Z"
        assert (
            category("B,6").en
            == "Information that must be made public was not; Cannot be reached at the registered address"
        )
        assert list(categories()) == list(table.categories)
        assert "G" in categories()  # a code only the data file has (the old fallback copies lacked it)


def test_review_measures_come_from_the_table(app):
    measures = result_table().measures
    with app.app_context():
        assert measures_for_findings([]) == [measures["none"].label.zh]
        wanted = measures_for_findings([{"follow_up": "移送"}, {"follow_up": "责令改正"}, {"follow_up": "移送"}])
        assert wanted == [measures["order"].label.zh, measures["case"].label.zh]  # table order, once each
        assert measure_labels(["order", "其他说明", ""]) == [measures["order"].label.zh, "其他说明"]
        assert (
            follow_up_public_wording(["case", measures["order"].label.zh]) == "已移送办案机构依法依规处理；已责令改正"
        )
