"""A plan's PDF asking for far more than a page of a plan — kilobytes that decompress to megabytes of
content, thousands of text runs or ruled lines, a table ruled finer than any plan's, forms drawing forms —
is refused naming the page, before pdfplumber lays it out (measured before: 292 KB took 14 s and 964 MB,
264 KB 274 s and 2.2 GB, 9 KB of grid 66 s, all in the upload request). The plans the other tests read
are well inside the budget."""

from __future__ import annotations

import io
import zlib

import pytest
from sqlalchemy import func, select

from factories.plan_tables import upload_plan
from factories.plans import DATA
from fieldapp.plans.models import Plan
from fieldapp.plans.pdf_budget import unique_chars
from fieldapp.plans.problems import PlanFileError
from fieldapp.plans.tables import read_plan_file


def pdf_of(content: bytes, forms: list[bytes] = ()) -> bytes:
    """A one-page PDF drawing ``content`` (compressed), with form XObjects /X0, /X1 … of ``forms``."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 5 0 R >>",
        _stream(content),
        b"<< /Font << /F1 6 0 R >> /XObject << "
        + b"".join(b"/X%d %d 0 R " % (n, 7 + n) for n in range(len(forms)))
        + b">> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *(_stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources 5 0 R ") for body in forms),
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, 2)
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start))
    return out.getvalue()


def _stream(content: bytes, attrs: bytes = b"") -> bytes:
    packed = zlib.compress(content, 9)
    return b"<< " + attrs + b"/Filter /FlateDecode /Length %d >>\nstream\n" % len(packed) + packed + b"\nendstream"


def _grid(lines: int) -> bytes:
    """A table of ``lines`` ruled lines each way, a word in every cell."""
    step_x, step_y = 555 / lines, 800 / lines
    rules = b"".join(
        b"%.2f 20 m %.2f 820 l S 20 %.2f m 575 %.2f l S\n"
        % (20 + i * step_x, 20 + i * step_x, 20 + i * step_y, 20 + i * step_y)
        for i in range(lines + 1)
    )
    words = b"".join(
        b"1 0 0 1 %.2f %.2f Tm (ab) Tj\n" % (22 + i * step_x, 22 + j * step_y)
        for i in range(lines)
        for j in range(lines)
    )
    return rules + b"BT /F1 2 Tf\n" + words + b"ET\n"


DENSE = {
    "blank content": pdf_of(b" " * (3 * 1024 * 1024)),
    "text runs": pdf_of(b"BT /F1 1 Tf\n" + b"1 0 0 1 10 10 Tm (abcdefghij) Tj\n" * 4_000 + b"ET\n"),
    "ruled lines": pdf_of(b"10 10 m 500 800 l S\n" * 2_500),
    "a fine grid": pdf_of(_grid(40)),
    "forms drawing forms": pdf_of(b"/X4 Do", [b"", *(b"/X%d Do " % n * 10 for n in range(4))]),
}


@pytest.mark.parametrize("name", sorted(DENSE))
def test_a_pdf_page_holding_far_more_than_a_plan_is_refused_naming_it(client_request, db, name):
    data = DENSE[name]
    assert len(data) < 64 * 1024
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(data, "计划.pdf")
    assert caught.value.problem.code == "pdf_too_dense"
    client_request.login("city-sup", "supervisor", "city")
    page = upload_plan(client_request, {"file": (io.BytesIO(data), "计划.pdf"), "year": "2024"}, 422)
    assert "PDF 第 1 页的文字或线条远多于计划的一页" in page.find(id="import-error").get_text()
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_the_refusal_is_in_english_too(runner, db, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(DENSE["a fine grid"])
    result = runner.invoke(args=["plan", "import", str(path), "--lang", "en"])
    assert result.exit_code == 1 and "Page 1 of the PDF holds far more text or lines" in result.output


def test_a_grid_as_fine_as_a_plans_table_is_still_read(app):
    from fieldapp.plans.pdf import read_pdf

    source = read_pdf(pdf_of(_grid(12)), "计划.pdf")  # 169 crossings: a plan's table has up to ~150
    assert len(source.rows) == 12


def test_bold_text_printed_twice_is_kept_once_as_pdfplumber_keeps_it():
    import pdfplumber

    for name in ("pdf-2024-thirty.pdf", "pdf-2024-landscape.pdf"):
        with pdfplumber.open(DATA / name) as pdf:
            for page in pdf.pages:
                assert unique_chars(page.chars) == page.dedupe_chars().chars
