"""One name per concept in Chinese: no two navigation links with the same label, and the task
window (window_start_month … window_end_month) called 抽查时间 wherever it is named."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_no_duplicate_navigation_links_for_any_role(client_request):
    for username, role, unit in (
        ("nav-admin", "admin", "city"),
        ("nav-sup", "supervisor", "140602"),
        ("nav-insp", "inspector", "140602"),
        (None, None, None),
    ):
        if username:
            client_request.login(username, role, unit)
        page = client_request.get("core.index")
        labels = [a.get_text(strip=True) for a in page.select("nav.site-nav a")]
        targets = [a["href"] for a in page.select("nav.site-nav a")]
        assert len(labels) == len(set(labels)) and len(targets) == len(set(targets)), (role, labels)
        if username:
            client_request.logout()


def test_the_task_window_has_one_name():
    names = {}
    for po in ROOT.glob("fieldapp/*/translations/zh_Hans_CN/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            for message in read_po(fh):
                if (
                    message.id
                    and isinstance(message.id, str)
                    and message.id.lower().startswith(("window", "draw window"))
                ):
                    names[f"{po.parts[-5]}: {message.id}"] = message.string
    assert names and all("抽查时间" in text for text in names.values()), names
