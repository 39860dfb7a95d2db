"""The condition language: the same vectors in Python and in real Chromium (conditions.js)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldapp.checklists.conditions import ConditionSyntaxError, evaluate, parse

ROOT = Path(__file__).resolve().parent.parent
TEST_CHECKLISTS = ROOT / "tests" / "data" / "checklists"
VECTORS = json.loads((ROOT / "checklists" / "tests" / "condition_vectors.json").read_text(encoding="utf-8"))


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(TEST_CHECKLISTS)}


def _ids(vector):
    return vector.get("name") or vector["expr"][:60]


def test_there_are_enough_vectors_of_every_kind():
    vectors = VECTORS["vectors"]
    assert len(vectors) >= 60
    assert sum("error_at" in v for v in vectors) >= 20
    assert sum(bool(v.get("path")) for v in vectors) >= 8  # repeat scope
    assert sum(v.get("expected") is True for v in vectors) >= 20
    assert sum(v.get("expected") is False for v in vectors) >= 20


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=_ids)
def test_python_vector(vector):
    answers = vector.get("answers", VECTORS["answers"])
    if "error_at" in vector:
        with pytest.raises(ConditionSyntaxError) as info:
            parse(vector["expr"])
        assert info.value.position == vector["error_at"], str(info.value)
    else:
        assert evaluate(vector["expr"], answers, vector.get("path", []), vector.get("self")) is vector["expected"]


def test_parse_reports_references():
    condition = parse("${a} = 'x' and count(${rows}) > 1 and selected(., 'y')")
    assert condition.refs == {"a", "rows"}
    assert condition.counted == {"rows"}
    assert condition.uses_self


def test_no_eval_of_python():
    with pytest.raises(ConditionSyntaxError):
        parse("__import__('os').system('true')")


@pytest.mark.browser
def test_javascript_vectors_in_chromium(live_server, browser, auth):
    """conditions.js, loaded by a real page of the app, gives the same result for every vector."""
    auth.create("inspector1", "inspector", "140602")
    # The inspector app's service worker is blocked: it must not reload the page mid-test.
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, service_workers="block")
    page = context.new_page()
    live_server.sign_in(page, "inspector1")
    page.goto(live_server.url_for("checklists.show", checklist_id="fuel-dispensers"))
    page.wait_for_function("window.FieldappConditions !== undefined")
    failures = page.evaluate(
        """(data) => {
            const C = window.FieldappConditions;
            const out = [];
            data.vectors.forEach((v, i) => {
                const answers = v.answers || data.answers;
                try {
                    const got = C.evaluate(v.expr, answers, v.path || [], v.self === undefined ? null : v.self);
                    if ("error_at" in v || got !== v.expected) out.push([i, v.expr, String(got)]);
                } catch (e) {
                    if (!(e instanceof C.ConditionSyntaxError) || e.position !== v.error_at) out.push([i, v.expr, String(e)]);
                }
            });
            return {failures: out, count: data.vectors.length};
        }""",
        VECTORS,
    )
    context.close()
    assert failures["count"] == len(VECTORS["vectors"])
    assert failures["failures"] == []
