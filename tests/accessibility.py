"""axe-core (from npm, served from /static/vendor) run on a page in a test browser, for the two rules
the phone trial found: tables that scroll sideways reachable with the keyboard, no empty table header."""

from __future__ import annotations

RULES = ["scrollable-region-focusable", "empty-table-header"]


def axe(page) -> list[dict]:
    page.add_script_tag(url="/static/vendor/axe.min.js")
    return page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})"
        ".then(r => r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))",
        RULES,
    )
