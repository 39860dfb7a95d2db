"""Reading an organisation file's text: its size, its encoding and its YAML, each refused with a
message naming the line (``OrganisationError``). The command line and the upload page read files
through here, so both refuse the same files with the same words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from ..errors import InvalidInput

MAX_BYTES = 2 * 1024 * 1024  # a province of 11 cities is about 100 KB


class OrganisationError(InvalidInput):
    """The organisation file cannot be loaded; the message names the unit and the field."""


def too_large() -> OrganisationError:
    return OrganisationError(
        _("The organisation file is larger than %(size)s MB: it cannot be an organisation file.", size=MAX_BYTES >> 20)
    )


class Lined(dict):
    """A mapping of the file with the line it starts on."""

    line = 0


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        """Aliases (``*name``) are refused: a unit is written out where it stands, and a few aliases
        of aliases would otherwise make a small file describe millions of units."""
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise OrganisationError(
                _(
                    "Line %(line)s, column %(column)s: write each unit out in full; references (*name) are not read.",
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            )
        return super().compose_node(parent, index)


def _lined_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterator[Lined]:
    data = Lined()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


_Loader.add_constructor("tag:yaml.org,2002:map", _lined_mapping)


def read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise too_large()
        return path.read_bytes()
    except OSError:
        raise OrganisationError(_("Cannot read the organisation file %(name)s.", name=path.name)) from None


def read_yaml(source: Path | bytes) -> Any:
    """The file's YAML: UTF-8 (with or without a BOM), else GB18030 as a Chinese Windows editor saves it.
    ``source``: a path, or the file's bytes (an upload)."""
    raw = read_bytes(Path(source)) if not isinstance(source, bytes) else source
    if len(raw) > MAX_BYTES:
        raise too_large()
    if b"\x00" in raw:
        raise OrganisationError(
            _(
                "The organisation file is not text (a Word or Excel document, a picture, or text saved as "
                "UTF-16): save it as UTF-8 text in the format of docs/organisation.md."
            )
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise OrganisationError(_("The organisation file is neither UTF-8 nor GBK text.")) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader that records lines
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None
    except RecursionError:
        raise too_deep() from None


def too_deep() -> OrganisationError:
    return OrganisationError(
        _("The organisation file nests its units or brackets too deeply (hundreds of levels) to be read.")
    )


def _yaml_error(exc: yaml.YAMLError) -> OrganisationError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = {"line": mark.line + 1, "column": mark.column + 1} if mark else {"line": "?", "column": "?"}
    if "\t" in str(exc):
        return OrganisationError(_("Line %(line)s, column %(column)s: indent with spaces, not tabs.", **where))
    return OrganisationError(
        _(
            "Line %(line)s, column %(column)s: not well-formed YAML (check the indentation, the colon "
            "after each field name and that quotes and brackets are closed).",
            **where,
        )
    )
