"""Label jobs: every PNG decodes back to its exact URI, the printed sheet carries the codes and
their text, and the job is idempotent and resumable."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from PIL import Image

from traceability.gs1 import site_digital_link
from traceability.models import Job
from verification import rendering, services
from verification.models import LabelChunk

from .factories import BatchFactory, ProductCategoryConsumable, certified_batch, units_of

QR = zxingcpp.BarcodeFormat.QRCode
pytestmark = pytest.mark.django_db
SMALL = {"label_width": 100, "label_height": 55, "columns": 2, "rows": 5}  # 10 labels a page


def _uri(unit) -> str:
    return site_digital_link(unit.gtin, unit.batch.lot, unit.serial, unit.batch.expiry_date)


def _decode(path: Path) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(path), formats=QR)]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _run(batch, django_capture_on_commit_callbacks, **kwargs) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.label_job_start(batch=batch, **kwargs)
    job.refresh_from_db()
    return job


def test_every_png_decodes_to_its_uri_and_the_job_reports_progress(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://ppe.example.org"
    batch = certified_batch()
    units = units_of(batch, 12)
    job = _run(batch, django_capture_on_commit_callbacks)
    assert (job.status, job.done, job.total, job.percent) == ("succeeded", 12, 12, 100)
    folder = services.labels_dir(batch)
    for unit in units:
        uri = _uri(unit)
        assert uri == (f"https://ppe.example.org/01/{batch.product_model.gtin}/10/{batch.lot}/21/{unit.serial}"
                       f"?17={batch.expiry_date:%y%m%d}")
        assert _decode(folder / "png" / f"{unit.serial}.png") == [uri]
        svg = (folder / "svg" / f"{unit.serial}.svg").read_text()
        assert svg.startswith("<svg") and f"<title>{uri}</title>" in svg
    assert job.result["codes"] == 12 and job.result["pages"] == 1
    assert (Path(settings.MEDIA_ROOT) / job.result["pdf"]).read_bytes().startswith(b"%PDF")


def test_svg_geometry_draws_the_same_code():
    """Paint the SVG's path (runs ``M x y h w v1 h-w z``) onto a bitmap and decode it."""
    import re

    uri = "https://ppe.example.org/01/06907770000019/21/ABC"
    svg = rendering.svg_text(rendering.qr_matrix(uri), uri)
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (size, size), 255)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for dx in range(int(w)):
            image.putpixel((int(x) + dx, int(y)), 0)
    image = image.resize((size * 8, size * 8), Image.Resampling.NEAREST)
    assert [r.text for r in zxingcpp.read_barcodes(image, formats=QR)] == [uri]


def test_printed_sheet_renders_with_decodable_codes_and_text(settings, tmp_path, django_capture_on_commit_callbacks):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: cannot render the label PDF")
    batch = certified_batch()
    units = units_of(batch, 26)  # default layout 3 x 8: one full page and two labels on the next
    job = _run(batch, django_capture_on_commit_callbacks)
    pdf = Path(settings.MEDIA_ROOT) / job.result["pdf"]
    assert job.result["pages"] == 2
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", pdf, tmp_path / "page"], check=True)
    page = next(tmp_path.glob("page*.png"))
    image = Image.open(page)
    assert image.size == (1654, 2339)  # A4 at 200 dpi
    decoded = sorted(r.text for r in zxingcpp.read_barcodes(image, formats=QR))
    ordered = sorted(units, key=lambda u: u.pk)
    assert decoded == sorted(_uri(u) for u in ordered[:24])
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    cert = batch.product_model.certificates.get()
    for unit in ordered:
        assert unit.serial in text
    assert batch.product_model.name in text and batch.lot in text and cert.number in text
    assert f"{batch.production_date:%Y-%m-%d}" in text and f"{batch.expiry_date:%Y-%m-%d}" in text


def test_running_twice_gives_the_same_files_and_no_duplicates(settings, django_capture_on_commit_callbacks):
    batch = certified_batch()
    units_of(batch, 30)
    first = _run(batch, django_capture_on_commit_callbacks, layout=SMALL)
    folder = services.labels_dir(batch)
    png, svg = _digests(folder / "png"), _digests(folder / "svg")
    first_pdf = (Path(settings.MEDIA_ROOT) / first.result["pdf"]).read_bytes()
    # a duplicated message for the finished job changes nothing
    from verification.tasks import labels_chunk_task, labels_dispatch_task

    labels_dispatch_task.delay(first.pk)
    labels_chunk_task.delay(first.pk, 0)
    first.refresh_from_db()
    assert (first.status, first.done, first.total) == ("succeeded", 30, 30)
    second = _run(batch, django_capture_on_commit_callbacks, layout=SMALL)
    assert second.pk != first.pk and second.done == 30
    assert _digests(folder / "png") == png and _digests(folder / "svg") == svg
    assert len(png) == 30 and len(svg) == 30
    assert (Path(settings.MEDIA_ROOT) / second.result["pdf"]).read_bytes() == first_pdf


def test_a_job_killed_after_some_chunks_resumes_without_redoing_them(settings, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    batch = certified_batch()
    units = units_of(batch, 260)
    real = services.label_chunk_render
    calls: list[int] = []

    def crash_on_second(*, job_id, index):
        calls.append(index)
        if index == 1:
            raise OSError("worker lost")
        return real(job_id=job_id, index=index)

    monkeypatch.setattr(services, "label_chunk_render", crash_on_second)
    with pytest.raises(OSError):
        _run(batch, django_capture_on_commit_callbacks, layout=SMALL, chunk_target=250)
    job = Job.objects.get(kind="labels")
    assert list(job.label_chunks.values_list("index", "count", "done")) == [(0, 250, True), (1, 10, False)]
    assert (job.status, job.done, job.total) == ("failed", 250, 260)

    monkeypatch.setattr(services, "label_chunk_render", lambda **kw: (calls.append(kw["index"]), real(**kw))[1])
    with django_capture_on_commit_callbacks(execute=True):
        services.label_job_resume(job=job)
    job.refresh_from_db()
    assert calls == [0, 1, 1]  # chunk 0 was not rendered again
    assert (job.status, job.done, job.total, job.errors) == ("succeeded", 260, 260, [])
    png = services.labels_dir(batch) / "png"
    assert sorted(p.stem for p in png.iterdir()) == sorted(u.serial for u in units)
    assert job.result["pages"] == 26


def test_starting_while_a_job_is_open_returns_that_job(django_capture_on_commit_callbacks):
    batch = certified_batch()
    units_of(batch, 3)
    first = services.label_job_start(batch=batch)  # queued: its task never ran (no commit hook)
    assert services.label_job_start(batch=batch).pk == first.pk
    assert Job.objects.filter(kind="labels").count() == 1
    assert LabelChunk.objects.filter(job=first).count() == 1


def test_consumable_batch_prints_one_batch_code_on_a_sheet(settings, django_capture_on_commit_callbacks):
    batch = BatchFactory(product_model__category=ProductCategoryConsumable())
    job = _run(batch, django_capture_on_commit_callbacks, copies=5)
    assert (job.status, job.total, job.done) == ("succeeded", 5, 5)
    uri = site_digital_link(batch.product_model.gtin, batch.lot, None, batch.expiry_date)
    assert _decode(services.labels_dir(batch) / "png" / "batch.png") == [uri]


@pytest.mark.parametrize("layout, field", [
    ({"columns": 4}, "columns"),             # 4 x 70 mm > 210 mm
    ({"rows": 9}, "rows"),                   # 9 x 37 mm > 297 mm
    ({"label_height": 10}, "label_width"),   # too small to print
    ({"colour": "red"}, "colour"),
    ({"rows": "many"}, "rows"),
])
def test_bad_layout_is_rejected_and_nothing_is_created(layout, field):
    batch = certified_batch()
    with pytest.raises(ValidationError) as exc:
        services.label_job_start(batch=batch, layout=layout)
    assert field in exc.value.message_dict
    assert not Job.objects.exists() and not LabelChunk.objects.exists()


def test_chunks_are_whole_pages_between_250_and_1000():
    assert services.chunk_size_for(rendering.LabelLayout()) == 504
    assert services.chunk_size_for(rendering.LabelLayout(), 1000) == 1008 - 24
    assert services.chunk_size_for(rendering.LabelLayout(**{"label_width": 100, "label_height": 55,
                                                           "columns": 2, "rows": 5}), 250) == 250


def test_serial_caption_is_drawn_in_the_cjk_font_and_the_serial_in_mono():
    import io

    from pypdf import PdfReader

    from verification import rendering

    label = rendering.Label(rendering.qr_matrix("https://example.org/01/06901234567892/21/ABC"),
                            (("安全帽", "title"), ("序列号 YZR6LLPFQDAU", "mono")))
    page = PdfReader(io.BytesIO(rendering.labels_pdf([label], rendering.LabelLayout()))).pages[0]
    text = page.extract_text()
    assert "序列号" in text
    assert "YZR6LLPFQDAU" in text
    fonts = {str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert {"/" + rendering.CJK_FONT, "/" + rendering.MONO_FONT} <= fonts
