"""Every issue and entry page of the bundled site on a phone (Chromium, 375 px): nothing wider than the screen.

The accessibility test looks at one page of each kind; prose differs from page to page, and one long name in
running text (``torch.nn.functional.scaled_dot_product_attention``) made a whole issue page scroll sideways.
Display formulas, tables and code blocks scroll inside their own boxes and are not the page's width.
"""

from __future__ import annotations

from pathlib import Path

from .test_accessibility import site_url  # noqa: F401  (the fixture: the built site over HTTP)

PHONE = {"width": 375, "height": 812}


def test_no_issue_or_entry_page_is_wider_than_a_phone(browser, built_site: Path, site_url: str) -> None:  # noqa: F811
    pages = sorted(
        p.parent.relative_to(built_site).as_posix() + "/"
        for folder in ("issues", "topics", "problems", "features")
        for p in (built_site / folder).glob("*/index.html")
    )
    assert len(pages) >= 12
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    wide = {}
    for path in pages:
        page.goto(site_url + path, wait_until="load")
        page.evaluate("document.fonts.ready")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = width
    context.close()
    assert wide == {}, f"pages wider than a {PHONE['width']} px phone: {wide}"
