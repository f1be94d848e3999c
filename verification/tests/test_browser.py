"""Done-when of the issue: a batch's label sheet is printed (PDF rendered to an image), each code
on it is read back with ZXing, and a phone-sized headless Chromium opening the code's URI sees
the right verdict: genuine, recalled, expired, retired, and a copied label with an unknown serial."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image

from verification import rendering, services

from .factories import UnitFactory, certified_batch

CHROMIUM = "/usr/bin/chromium"
QR = zxingcpp.BarcodeFormat.QRCode
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils) to print the sheet"),
]
TODAY = datetime.date.today()


@pytest.fixture
def phone(live_server, settings):
    playwright_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.SITE_URL = live_server.url
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, locale="en-US", extra_http_headers={"Accept-Language": "en"})
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        yield tab
        context.close()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _printed_codes(batch, tmp_path, django_capture_on_commit_callbacks) -> list[str]:
    """Print the batch's label sheet (PDF -> 200 dpi image) and read every code on it."""
    with django_capture_on_commit_callbacks(execute=True):
        job = services.label_job_start(batch=batch)
    job.refresh_from_db()
    pdf = Path(settings.MEDIA_ROOT) / job.result["pdf"]
    subprocess.run(["pdftoppm", "-r", "200", "-png", pdf, tmp_path / f"sheet-{batch.pk}"], check=True)
    codes = []
    for page in sorted(tmp_path.glob(f"sheet-{batch.pk}*.png")):
        codes += [r.text for r in zxingcpp.read_barcodes(Image.open(page), formats=QR)]
    return codes


def _verdict(page, uri: str) -> tuple[int, str, str]:
    response = page.goto(uri)
    banner = page.locator("[data-verdict]")
    return response.status, banner.get_attribute("data-verdict"), banner.inner_text().strip()


@pytest.mark.django_db(transaction=True)
def test_printed_codes_show_the_right_verdict_on_a_phone(phone, tmp_path, django_capture_on_commit_callbacks):
    batch = certified_batch()
    genuine = UnitFactory(batch=batch)
    recalled = UnitFactory(batch=batch, recalled=True)
    retired = UnitFactory(batch=batch, status="retired")
    old = certified_batch(production_date=TODAY - datetime.timedelta(days=1200),
                          expiry_date=TODAY - datetime.timedelta(days=10))
    expired = UnitFactory(batch=old)
    printed = _printed_codes(batch, tmp_path, django_capture_on_commit_callbacks)
    printed += _printed_codes(old, tmp_path, django_capture_on_commit_callbacks)
    by_serial = {uri.split("/21/")[1].split("?")[0]: uri for uri in printed}
    assert sorted(by_serial) == sorted(u.serial for u in (genuine, recalled, retired, expired))
    # a counterfeiter copies the label layout with a serial the platform never issued
    fake_uri = by_serial[genuine.serial].replace(genuine.serial, "FAKEFAKE2345")
    fake_png = tmp_path / "fake.png"
    fake_png.write_bytes(rendering.png_bytes(rendering.qr_matrix(fake_uri)))
    [fake] = [r.text for r in zxingcpp.read_barcodes(Image.open(fake_png), formats=QR)]

    assert _verdict(phone, by_serial[genuine.serial]) == (200, "genuine", "✓\nGenuine")
    phone.screenshot(path=str(tmp_path / "genuine.png"))
    assert _verdict(phone, by_serial[recalled.serial])[:2] == (200, "recalled")
    assert _verdict(phone, by_serial[retired.serial])[:2] == (200, "retired")
    assert _verdict(phone, by_serial[expired.serial])[:2] == (200, "expired")
    status, verdict, _ = _verdict(phone, fake)
    assert (status, verdict) == (404, "not_registered")
    assert phone.locator(".counterfeit-warning").is_visible()
    assert phone.locator("details#report[open]").count() == 1
    # the verdict banner is in the first screen on the phone, and the page does not scroll sideways
    box = phone.locator("[data-verdict]").bounding_box()
    assert box["y"] + box["height"] < 844
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
