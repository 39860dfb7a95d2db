"""Translation catalogs, one per feature package (msgids in English, zh_CN catalog complete).

    python tools/i18n.py update [PACKAGE …]   extract messages and merge them into the zh_CN catalogs
    python tools/i18n.py check                list messages without a zh_CN translation

A package's messages come from ``fieldapp/<package>/**.py`` and ``templates/<package>/**.html``;
the ``core`` package also owns the modules beside the packages (``fieldapp/*.py``) and the shared
templates (``templates/*.html``, ``templates/errors``, ``templates/_macros``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do", "trimmed": "true"}


def packages() -> list[str]:
    from fieldapp import FEATURES

    return list(FEATURES)


def source_files(package: str) -> list[tuple[str, Path]]:
    files: list[tuple[str, Path]] = [("python", p) for p in sorted((ROOT / "fieldapp" / package).rglob("*.py"))]
    templates = ROOT / "templates"
    files += [("jinja2", p) for p in sorted((templates / package).rglob("*.html"))]
    if package == "core":  # also the modules beside the packages and the shared templates and macros
        files += [("python", p) for p in sorted((ROOT / "fieldapp").glob("*.py"))]
        files += [("jinja2", p) for p in sorted(templates.glob("*.html"))]
        for shared in ("errors", "_macros"):
            files += [("jinja2", p) for p in sorted((templates / shared).rglob("*.html"))]
    return files


def extract(package: str) -> Catalog:
    catalog = Catalog(locale="zh_CN", domain="messages")
    for method, path in source_files(package):
        options = JINJA_OPTIONS if method == "jinja2" else {}
        for lineno, message, comments, context in extract_from_file(
            method if method == "python" else "jinja2", str(path), keywords=KEYWORDS, options=options
        ):
            catalog.add(message, None, [(str(path.relative_to(ROOT)), lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(package: str) -> Path:
    return ROOT / "fieldapp" / package / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def load(package: str) -> Catalog:
    path = po_path(package)
    if not path.exists():
        return Catalog(locale="zh_CN")
    with path.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def update(package: str) -> int:
    template = extract(package)
    if not len(template) and not po_path(package).exists():
        return 0
    catalog = load(package)
    catalog.update(template, no_fuzzy_matching=True)
    path = po_path(package)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, ignore_obsolete=True, width=100)
    return sum(1 for m in catalog if m.id and not m.string)


def missing(package: str) -> list[str]:
    """Messages used in the package's code and templates without a zh_CN translation."""
    catalog = load(package)
    out = []
    for message in extract(package):
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        string = found.string if found else None
        if isinstance(string, (tuple, list)):
            ok = all(string)
        else:
            ok = bool(string)
        if not ok or (found is not None and found.fuzzy):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    names = argv[1:] or packages()
    if command == "update":
        for name in names:
            untranslated = update(name)
            if untranslated:
                print(f"{name}: {untranslated} untranslated")
        return 0
    if command == "check":
        bad = 0
        for name in names:
            for msgid in missing(name):
                print(f"{name}: {msgid}")
                bad += 1
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
