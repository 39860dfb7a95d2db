"""Office Open files (.xlsx, .docx: zips) with one part read whole that expands hundreds of times."""

from __future__ import annotations

import zipfile
from io import BytesIO

SHARED_STRINGS = (
    "xl/sharedStrings.xml",
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
    b"<si><t>" + b"a" * 80 + b"</t></si>",
    b"</sst>",
)
WORD_STYLES = (
    "word/styles.xml",
    b'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">',
    b'<w:style w:type="paragraph" w:styleId="a"><w:name w:val="' + b"a" * 60 + b'"/></w:style>',
    b"</w:styles>",
)


def inflated(data: bytes, part: tuple[str, bytes, bytes, bytes], entries: int) -> bytes:
    """``data`` with ``part`` (name, head, one entry, tail) holding ``entries`` copies of its entry."""
    name, head, entry, tail = part
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        with target.open(name, "w", force_zip64=True) as stream:
            stream.write(head)
            for _ in range(entries // 10_000):
                stream.write(entry * 10_000)
            stream.write(tail)
    return out.getvalue()
