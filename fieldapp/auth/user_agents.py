"""A short human name for a browser, from the user agent it sent ("Chrome · Android", "微信 · iPhone").

The raw user agent is kept as the browser sent it; this name is worked out when a page shows it,
so it follows the reader's language and later improvements here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The first marker found names the browser: apps that embed a browser come before the browsers they
# embed (WeChat's user agent also says Chrome and Safari; Edge's also says Chrome).
BROWSERS = (
    (("MicroMessenger", "WeChat"), _l("WeChat")),
    (("DingTalk",), _l("DingTalk")),
    (("Edg/", "EdgA/", "EdgiOS/", "Edge"), "Edge"),
    (("MQQBrowser", "QQBrowser"), _l("QQ Browser")),
    (("UCBrowser", "UCWEB"), _l("UC Browser")),
    (("HuaweiBrowser",), _l("Huawei Browser")),
    (("Firefox/", "FxiOS/", "Firefox"), "Firefox"),
    (("Chrome/", "CriOS/", "Chrome"), "Chrome"),
    (("Safari/", "Safari"), "Safari"),
)
SYSTEMS = (
    (("HarmonyOS",), "HarmonyOS"),
    (("Android",), "Android"),
    (("iPhone",), "iPhone"),
    (("iPad",), "iPad"),
    (("Windows",), "Windows"),
    (("Mac OS", "Macintosh"), "macOS"),
    (("Linux",), "Linux"),
)


def _first(user_agent: str, table) -> str:
    return next((str(name) for markers, name in table if any(m in user_agent for m in markers)), "")


def describe(user_agent: str | None) -> str:
    """The browser and system a user agent names, or "unknown browser" when it names neither."""
    ua = user_agent or ""
    named = [x for x in (_first(ua, BROWSERS), _first(ua, SYSTEMS)) if x]
    return " · ".join(named) if named else str(_l("Unknown browser"))
