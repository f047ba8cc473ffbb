"""The web page in a real browser (Debian's Chromium driven by Playwright) against the real
gateway and worker: upload, live status, before/after, OCR text, a rejected file. A screenshot
is kept in test-artifacts/ for people to look at."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import API_KEY

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "pagewash" / "examples" / "02_photocopy_streaks.png"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make install)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def test_page_is_served_with_a_file_input_and_a_strict_policy(stack):
    response = httpx.get(stack.url + "/")
    assert response.status_code == 200 and 'type="file"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert httpx.get(stack.url + "/static/app.js").status_code == 200


def test_upload_clean_and_read_in_a_browser(stack, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(stack.url + "/")
    page.fill("#apikey", API_KEY)
    page.dispatch_event("#apikey", "change")
    assert page.is_checked("#ocr")
    bad = tmp_path / "notes.png"
    bad.write_text("this is not an image")
    page.set_input_files("#files", [str(EXAMPLE), str(bad)])
    page.click("#go")

    good = page.locator(".card", has_text=EXAMPLE.name)
    good.locator(".text").wait_for(state="visible", timeout=90_000)
    assert good.get_attribute("data-status") == "done"
    assert good.locator(".status").inner_text().startswith("done")
    width = good.locator("img.after").evaluate("img => img.complete && img.naturalWidth")
    assert width == 1000  # the clean page, fetched with the API key, decoded by the browser
    text = good.locator(".text").input_value()
    assert "TABLE" in text.upper() or len(text.split()) > 20
    assert good.locator("a.download-png").get_attribute("download") == "02_photocopy_streaks.clean.png"

    rejected = page.locator(".card", has_text="notes.png")
    rejected.locator(".error").wait_for(state="visible", timeout=30_000)
    assert "not an image" in rejected.locator(".error").inner_text()

    good.locator(".slider").fill("20")
    clip = good.locator(".after-clip").evaluate("el => el.style.clipPath")
    assert clip == "inset(0px 0px 0px 20%)" or clip == "inset(0 0 0 20%)", clip
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-page.png"), full_page=True)
    assert not errors, errors


def test_wrong_key_is_shown_and_page_fits_a_phone(stack, browser):
    page = browser.new_page(viewport={"width": 380, "height": 800})
    page.goto(stack.url + "/")
    page.evaluate("localStorage.clear()")
    page.fill("#apikey", "wrong")
    page.set_input_files("#files", [str(EXAMPLE)])
    page.click("#go")
    error = page.locator(".card .error")
    error.wait_for(state="visible", timeout=30_000)
    assert "X-Api-Key" in error.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scrolling
    for control in ("#files", "#ocr", "#lang", "#binarize", "#apikey"):  # every control has a label
        assert page.evaluate(f"document.querySelector('{control}').labels.length") >= 1


@pytest.mark.slow  # make test-slow: over 15 s, and the fast suite covers its path
def test_pdf_upload_gives_a_searchable_pdf_to_download(stack, browser, tmp_path):
    from tests.scanned_pdf import scanned_pdf

    src = tmp_path / "letters.pdf"
    scanned_pdf(src)
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(stack.url + "/")
    page.fill("#apikey", API_KEY)
    page.check("#binarize")  # an image option: the page leaves it out for PDFs instead of being refused
    page.set_input_files("#files", [str(src)])
    page.click("#go")
    card = page.locator(".card", has_text="letters.pdf")
    card.locator(".text").wait_for(state="visible", timeout=240_000)
    assert card.get_attribute("data-status") == "done"
    assert card.locator(".pdf-info").inner_text().startswith("3 page(s)")
    link = card.locator("a.download-pdf")
    assert link.inner_text() == "Download searchable PDF"
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "saved.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-"
    from pagewash.pdf import text_layer

    assert len(text_layer(saved)) == 3 and "Invoice" in " ".join(text_layer(saved))
    assert "Invoice" in card.locator(".text").input_value()
    assert not errors, errors
