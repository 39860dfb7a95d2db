"""What a visit record PDF embeds, read back from the PDF: photos and signatures at their printed
size (made once, then read from the copy), one CJK font face, and the rendering rules that keep a
record cheap (the loaded checklist reused, the cycle collector back on after every render)."""

from __future__ import annotations

import gc
import io
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from factories import publication as f
from fieldapp.publication import operations
from fieldapp.publication.pdf.images import print_copy
from fieldapp.core.collector import collector_paused


@pytest.fixture
def app_config(tmp_path):
    return {"PDF_CACHE_DIR": str(tmp_path / "pdf-cache")}


def _publish(db):
    result = f.approved_result()
    [record] = operations.publish([result], f.supervisor("140602"), on=date(2021, 7, 1))
    db.session.commit()
    return result, record


def pdf_fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def jpeg(size: tuple[int, int], orientation: int | None = None) -> bytes:
    image = Image.effect_noise(size, 60).convert("RGB")
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()


def signature_png() -> bytes:
    image = Image.new("RGB", (1020, 450), "white")
    image.paste((0, 0, 0), (100, 200, 900, 230))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def embedded_images(path: Path) -> list[dict]:
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    return [{"width": int(r[3]), "height": int(r[4]), "color": r[5], "enc": r[8], "interp": r[9]} for r in rows]


def test_visit_record_embeds_photos_and_signatures_at_print_size(client, db, auth, app, tmp_path):
    result, _ = _publish(db)
    photo = jpeg((1600, 1200))  # as the phone sends it
    f.media(result.submission, "photo", photo)
    f.media(result.submission, "signature", signature_png())
    db.session.commit()
    auth.login("shuocheng", "supervisor", "140602")
    url = f"/publication/visits/{result.visit_id}/record.pdf"
    first = tmp_path / "first.pdf"
    first.write_bytes(client.get(url).data)
    images = embedded_images(first)
    # 40 × 30 mm at 300 dpi, filled; 60 × 18 mm at most, in grey; the factory's small images as sent.
    assert {"width": 472, "height": 354, "color": "rgb", "enc": "jpeg", "interp": "yes"} in images
    assert {"width": 483, "height": 213, "color": "gray", "enc": "jpeg", "interp": "yes"} in images
    assert max(i["width"] for i in images) == 483
    qr = [i for i in images if i["interp"] == "no"]  # printed pixelated: one pixel per module
    assert len(qr) == 1 and qr[0]["width"] == qr[0]["height"] < 60
    copies = sorted((Path(app.config["PDF_CACHE_DIR"]) / "print-media").iterdir())
    assert len(copies) == 2
    stamps = [p.stat().st_mtime_ns for p in copies]
    second = tmp_path / "second.pdf"
    second.write_bytes(client.get(url).data)
    assert embedded_images(second) == images
    assert [p.stat().st_mtime_ns for p in copies] == stamps  # read from the copies, not made again
    assert first.stat().st_size < len(photo)  # the whole record, fonts and all, under the one photo sent


def nested_svg(levels: int) -> bytes:
    """An SVG drawing one square through ``levels`` of groups of ten <use> each (10 ** levels squares)."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs><rect id="l0" width="1" height="1"/>'
    ]
    for n in range(1, levels + 1):
        parts.append(f'<g id="l{n}">' + f'<use href="#l{n - 1}"/>' * 10 + "</g>")
    return ("".join(parts) + f'</defs><use href="#l{levels}"/></svg>').encode()


def test_a_file_that_is_no_photo_the_app_takes_is_neither_decoded_nor_printed(client, db, auth, app, tmp_path):
    """The phone's API keeps a file's bytes as sent. 236 KB of PNG claiming 9000 × 9000 pixels made the
    record take 21 s and 780 MB (here the limit is lowered to 1 megapixel and a 2000 × 2000 PNG sent);
    WeasyPrint drew a file Pillow cannot open as SVG — 2 KB nesting <use> four deep took 22 s, five deep
    minutes (here one deep: WeasyPrint would draw it). Neither is printed; the record says so."""
    from pdf_reading import pdf_text

    app.config["MAX_IMAGE_PIXELS"] = 1_000_000
    result, _ = _publish(db)
    huge = io.BytesIO()
    Image.new("L", (2000, 2000)).save(huge, format="PNG")
    f.media(result.submission, "photo", huge.getvalue())
    f.media(result.submission, "photo", nested_svg(1))
    f.media(result.submission, "photo", jpeg((800, 600)))
    db.session.commit()
    auth.login("shuocheng", "supervisor", "140602")
    path = tmp_path / "record.pdf"
    path.write_bytes(client.get(f"/publication/visits/{result.visit_id}/record.pdf").data)
    images = embedded_images(path)
    assert {"width": 472, "height": 354, "color": "rgb", "enc": "jpeg", "interp": "yes"} in images
    assert max(i["width"] for i in images) == 472  # the 2000 px one neither whole nor scaled
    text = pdf_text(path)
    assert text.count("未打印：不是 JPEG、PNG") == 2, text  # two boxes side by side, their lines interleaved
    with app.app_context():
        for name, payload in (("big.png", huge.getvalue()), ("drawing.svg", nested_svg(4))):
            (tmp_path / name).write_bytes(payload)
            assert print_copy(tmp_path / name, "d" * 64, "photo") is None


def test_records_embed_one_cjk_face(client, db, auth, tmp_path):
    result, record = _publish(db)
    auth.login("shuocheng", "supervisor", "140602")
    for name, url in (
        ("visit", f"/publication/visits/{result.visit_id}/record.pdf"),
        ("public", f"/public/results/{record.public_id}.pdf"),
    ):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(client.get(url).data)
        faces = [line for line in pdf_fonts(path).splitlines() if "CJK" in line]
        assert len(faces) == 1 and "Bold" not in faces[0], faces


def test_print_copy_keeps_photos_upright_and_small_ones_as_they_are_and_prints_no_broken_file(app, tmp_path):
    turned = tmp_path / "turned.jpg"
    turned.write_bytes(jpeg((1600, 1200), orientation=6))  # taken holding the phone upright
    small = tmp_path / "small.jpg"
    small.write_bytes(jpeg((300, 200)))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    with app.app_context():
        copy = print_copy(turned, "a" * 64, "photo")
        assert copy != turned
        with Image.open(copy) as image:
            assert image.size == (472, 629) and image.getexif().get(0x0112) is None
        assert print_copy(small, "b" * 64, "photo") == small
        assert print_copy(broken, "c" * 64, "photo") is None  # WeasyPrint would try it as SVG
        assert print_copy(turned, "../escape", "photo") == turned  # only a content hash names a copy


def test_cycle_collector_back_on_after_every_render():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("render failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left off: whoever turned it off turns it on
    finally:
        gc.enable()


def test_answers_on_the_loaded_definition_use_the_loaded_checklist(app):
    from fieldapp.checklists.catalog import get_checklist
    from fieldapp.review.answers import checklist_of
    from fieldapp.review.body import AnswerSet

    with app.app_context():
        loaded = get_checklist("fuel-dispensers")
        same = AnswerSet("fuel-dispensers", loaded.version, loaded.sha256, {})
        assert checklist_of(same) is loaded
        older = AnswerSet("fuel-dispensers", loaded.version, "0" * 64, {})
        assert checklist_of(older) is not loaded  # another definition: from its snapshot or file
