"""Reading a PDF the app made, with poppler and zbar: its text, its fonts, the QR codes on its pages."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_text(path: Path, layout: bool = True) -> str:
    """The text as laid out on the page, or (``layout=False``) in the order it was drawn: a table
    cell's lines wrapped beside another's stay together."""
    mode = "-layout" if layout else "-raw"
    return subprocess.run(["pdftotext", mode, str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def qr_codes(path: Path, tmp_path: Path) -> list[str]:
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(path), str(prefix)], check=True)
    found = []
    for image in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sqrcode.enable=1", str(image)], capture_output=True, text=True
        )
        found += [line for line in out.stdout.splitlines() if line]
    return found


def assert_cjk_embedded(path: Path):
    fonts = pdf_fonts(path)
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    for line in cjk:
        columns = line.split()
        assert columns[-5] == "yes", line  # the "emb" column


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(info.split("Pages:")[1].split()[0])
