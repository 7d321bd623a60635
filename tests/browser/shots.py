"""Screenshots of each role's main pages, written by the browser tests so anyone can look
at them after `make test`: tests/browser/screenshots/ (git-ignored)."""
from pathlib import Path

SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1366, "height": 800}
WIDE = {"width": 1920, "height": 1000}


def shoot(page, name, full_page=True):
    SCREENSHOTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=full_page)
