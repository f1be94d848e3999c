"""The portal on a phone (390 x 844) in headless Chromium: the demo enterprise signs in, receives a
shipment and issues a helmet to a worker; the scan list adds scans without submitting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from products.models import Shipment, Unit, UnitStatus
from products.services import custody
from traceability.demo import DEMO_PASSWORD, seed_organizations, seed_users

from .factories import BatchFactory, ProductModelFactory, WorkerFactory

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows; serialized_rollback puts back what migrations wrote
    # (reference data) after the flush, so later tests in the same run still find it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop running in this thread while the module runs; the
    # ORM calls of the tests (and the database flush between them) are still plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True,
                                  locale="en-US", extra_http_headers={"Accept-Language": "en"})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def shot(page, name: str) -> None:
    folder = os.environ.get("PORTAL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def demo(settings):
    """The demo enterprise (login ``enterprise``) with a shipment of three helmets on its way."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = seed_organizations()
    seed_users(world)
    maker, enterprise = world.orgs["M1"], world.orgs["E1"]
    batch = BatchFactory(product_model=ProductModelFactory(manufacturer=maker, name="ABS 安全帽"), lot="B2601")
    custody.unit_commission(batch=batch, count=3, actor=maker)
    units = list(Unit.objects.filter(batch=batch).order_by("pk"))
    shipment = custody.shipment_send(actor=maker, receiver=enterprise, units=units, reference="PO-2026-17")
    worker = WorkerFactory(enterprise=enterprise, name="李强", employee_number="HB-0042", post="采油工")
    return {"shipment": shipment, "units": units, "worker": worker, "enterprise": enterprise}


def login(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/portal/")
    page.fill("input[name=username]", "enterprise")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/portal/")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_enterprise_receives_a_shipment_and_issues_a_helmet(page, live_server, demo):
    shipment, unit, worker = demo["shipment"], demo["units"][0], demo["worker"]
    login(page, live_server)
    assert page.locator("h1").inner_text() == "中石油华北油田分公司"
    assert no_horizontal_scroll(page)
    shot(page, "1-dashboard")

    page.click(f"text={shipment.number}")
    page.wait_for_url(f"**/portal/receive/{shipment.pk}/")
    assert page.locator("[data-shipment-state]").get_attribute("data-shipment-state") == "shipped"
    assert page.locator("#lines li").count() == 3
    shot(page, "2-receive")
    page.click("button:has-text('Receive all')")
    page.wait_for_selector("[data-shipment-state=received]")
    assert f"Shipment {shipment.number} received." in page.locator(".message").inner_text()
    shipment.refresh_from_db()
    assert shipment.state == Shipment.State.RECEIVED

    page.click("nav.portal-tabs >> text=Workers")
    page.click(f"text={worker.name}")
    page.wait_for_url(f"**/portal/workers/{worker.pk}/")
    scan = page.locator("#id_code")
    assert page.evaluate("document.activeElement.name") == "code"  # the scan field has the focus
    scan.fill(f"{live_server.url}/01/{unit.gtin}/21/{unit.serial}")
    scan.press("Enter")  # what a keyboard-wedge scanner sends after the code
    page.wait_for_selector(f"#worker-units >> text={unit.serial}")
    assert no_horizontal_scroll(page)
    shot(page, "3-issued")
    unit.refresh_from_db()
    assert (unit.status, unit.worker_id) == (UnitStatus.ISSUED, worker.pk)

    # A recalled item scanned for issuing gets the service's refusal on the page.
    other = demo["units"][1]
    custody.recall_open(batches=[other.batch], actor=other.batch.product_model.manufacturer, reason="r", hazard="h")
    page.locator("#id_code").fill(f"(01){other.gtin}(21){other.serial}")
    page.locator("#id_code").press("Enter")
    page.wait_for_selector("[role=alert]")
    assert "Recalled units cannot be issued" in page.locator("[role=alert]").first.inner_text()
    shot(page, "4-refused")
    other.refresh_from_db()
    assert other.status == UnitStatus.IN_STOCK


def test_scan_list_adds_each_scan_without_submitting(page, live_server, demo):
    shipment = demo["shipment"]
    custody.shipment_receive(shipment=shipment, actor=demo["enterprise"])
    a, b = demo["units"][0], demo["units"][1]
    login(page, live_server)
    page.goto(f"{live_server.url}/portal/ship/")
    page.evaluate("window.__feedback = []; document.addEventListener('scan:feedback', e => window.__feedback.push(e.detail.result))")
    scan = page.locator("#collect-input")
    for code in (f"(01){a.gtin}(21){a.serial}", b.serial, "NOT-A-CODE", b.serial):
        scan.fill(code)
        scan.press("Enter")
    page.wait_for_function("window.__feedback.length === 4")
    assert page.evaluate("window.__feedback") == ["ok", "ok", "error", "warn"]
    assert page.locator("[data-count]").inner_text() == "2"
    assert page.locator("textarea[name=codes]").input_value().splitlines() == [f"(01){a.gtin}(21){a.serial}", b.serial]
    assert "Unknown code NOT-A-CODE." in page.locator(".scanned").inner_text()
    assert Shipment.objects.filter(sender=demo["enterprise"]).count() == 0  # nothing was submitted
    assert no_horizontal_scroll(page)
    shot(page, "5-ship-scan-list")


def test_camera_loads_the_decoder_from_this_site_and_falls_back_to_typing(page, live_server, demo):
    vendor = Path(__file__).resolve().parents[2] / "static" / "vendor" / "barcode-detector" / "zxing_reader.wasm"
    if not vendor.exists():
        pytest.skip("front-end assets not built (make assets)")
    custody.shipment_receive(shipment=demo["shipment"], actor=demo["enterprise"])
    login(page, live_server)
    responses = []
    page.on("response", lambda r: responses.append((r.url, r.status, r.headers.get("content-type", ""))))
    page.goto(f"{live_server.url}/portal/scan/")
    page.evaluate("window.BarcodeDetector = undefined; delete window.BarcodeDetector")  # as on desktop Linux / iOS
    page.click("button.camera-btn")
    # Headless Chromium has no camera: the page says so and keeps the typed path usable.
    page.wait_for_function("document.getElementById('camera-message').textContent.length > 0")
    page.wait_for_function("window.BarcodeDetectionAPI !== undefined")
    page.wait_for_timeout(500)
    assert "Type the code" in page.locator("#camera-message").inner_text()
    assert all(url.startswith(live_server.url) for url, _status, _type in responses)
    wasm = [(status, kind) for url, status, kind in responses if url.endswith("zxing_reader.wasm")]
    assert wasm == [(200, "application/wasm")]
    page.click("#camera-close")
    unit = demo["units"][2]
    page.fill("#id_code", unit.serial)
    page.press("#id_code", "Enter")
    page.wait_for_url(f"**/portal/units/{unit.pk}/")


def test_tap_targets_and_narrow_screens(page, live_server, demo):
    login(page, live_server)
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/portal/", f"/portal/receive/{demo['shipment'].pk}/", "/portal/ship/", "/portal/workers/"):
        page.goto(live_server.url + path)
        assert no_horizontal_scroll(page), path
        small = page.evaluate("""() => [...document.querySelectorAll(
              '.portal button, .portal [role=button], .portal summary, .portal-tabs a, .portal input, .portal select')]
            .filter(el => el.offsetParent !== null && el.type !== 'hidden')
            .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
            .filter(([_, r]) => r.width < 44 || r.height < 44)
            .map(([html]) => html)""")
        assert small == [], (path, small)


def test_receive_some_in_the_browser_marks_lines_and_receives_only_those(page, live_server, demo):
    shipment, units = demo["shipment"], demo["units"]
    login(page, live_server)
    page.goto(f"{live_server.url}/portal/receive/{shipment.pk}/")
    page.click("summary:has-text('Receive some')")
    scan = page.locator("#collect-input")
    # Opening the panel focuses the scan box from a toggle handler: wait for it (fails on timeout).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'collect-input'")
    for unit in units[:2]:
        scan.fill(f"{live_server.url}/01/{unit.gtin}/21/{unit.serial}")
        scan.press("Enter")
    page.wait_for_function("document.querySelectorAll('#lines li[data-arrived]').length === 2")
    assert page.locator("[data-count]").inner_text() == "2"
    shot(page, "6-receive-some")
    page.click("button:has-text('Receive the scanned items')")
    page.wait_for_selector("[data-shipment-state=partly_received]")
    assert [Unit.objects.get(pk=u.pk).status for u in units] == [UnitStatus.IN_STOCK, UnitStatus.IN_STOCK,
                                                                 UnitStatus.IN_TRANSIT]


def test_offline_scans_wait_in_the_outbox_and_are_sent_once(page, live_server, demo):
    shipment, units, worker = demo["shipment"], demo["units"], demo["worker"]
    custody.shipment_receive(shipment=shipment, actor=demo["enterprise"], units=units[1:])
    login(page, live_server)
    page.goto(f"{live_server.url}/portal/receive/{shipment.pk}/")
    page.click("summary:has-text('Receive some')")
    page.context.set_offline(True)
    page.fill("[data-scan-list]", f"(01){units[0].gtin}(21){units[0].serial}")
    page.click("button:has-text('Receive the scanned items')")
    page.wait_for_selector("#outbox:not([hidden]) [data-pending]:text('1')")
    assert page.locator("#offline-flag").is_visible()
    shot(page, "7-offline-pending")
    assert Unit.objects.get(pk=units[0].pk).status == UnitStatus.IN_TRANSIT
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("(document.querySelector('#outbox [data-pending]') || {}).textContent === '0'")
    assert Unit.objects.get(pk=units[0].pk).status == UnitStatus.IN_STOCK
    # Offline on the worker page: the issue waits in localStorage (which outlives the page) with its key.
    page.goto(f"{live_server.url}/portal/workers/{worker.pk}/")
    page.context.set_offline(True)
    page.fill("#id_code", units[0].serial)
    page.press("#id_code", "Enter")
    page.wait_for_function("(document.querySelector('#outbox [data-pending]') || {}).textContent === '1'")
    stored = page.evaluate("JSON.parse(localStorage.getItem('portal-outbox-v1'))")
    assert [e["body"] for e in stored] == [{"type": "issue", "worker": str(worker.pk), "code": units[0].serial}]
    assert len(stored[0]["key"]) == 36
    page.context.set_offline(False)
    page.wait_for_function("(document.querySelector('#outbox [data-pending]') || {}).textContent === '0'")
    unit = Unit.objects.get(pk=units[0].pk)
    assert (unit.status, unit.worker_id) == (UnitStatus.ISSUED, worker.pk)
    assert page.evaluate("localStorage.getItem('portal-attention-v1')") in (None, "[]")
