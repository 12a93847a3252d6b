"""Branding (issue 18) as a visitor sees it in headless Chromium: page.logo in the header,
page.accent as the colour of links in each scheme, page.css applied after the page's own
stylesheet, page.links and page.footer; axe-core finds nothing in light and dark with them.
An accent that text cannot be read in is refused at load, with the ratio it got.
"""

import json

from browser import assert_accessible, set_color_scheme, shot
from conftest import dedent, run_cli

CONFIG = """\
page:
  name: Acme Cloud
  time_zone: Europe/Berlin
  description: Status of the Acme Cloud platform.
  logo: logo.svg
  accent: {light: "#0b5cad", dark: "#7cc4fa"}
  css: extra.css
  footer: "Acme Cloud GmbH \u00b7 Berlin"
  links:
    - {name: Acme, url: "https://acme.example"}
    - {name: Support, url: "mailto:support@acme.example"}
components:
  - {id: api, name: API}
  - {id: web, name: Website}
"""

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40">'
        '<rect width="120" height="40" rx="6" fill="#0b5cad"/></svg>')


def write_branding(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logo.svg").write_text(LOGO)
    (folder / "extra.css").write_text("h1{letter-spacing:3px}\n")


def test_unreadable_accent_is_refused_with_its_ratio(tmp_path):
    """A 2:1 accent stops check-config and serve, at its line, with the ratio it got."""
    f = tmp_path / "tocsin.yaml"
    f.write_text(dedent("""\
        page:
          name: Acme
          accent: "#f29999"
        """))
    want = ("%s:3:11: page: accent #f29999 has 2.0:1 contrast on the light page background "
            "#f6f7f9; text needs 4.5:1 (WCAG AA)" % f)
    for args in (("check-config",), ("serve", "--data", tmp_path / "data")):
        p = run_cli(*args, "-c", f)
        assert p.returncode != 0, args
        assert want in p.stderr, (args, p.stderr)


def rgb(hex_colour):
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return "rgb(%d, %d, %d)" % (r, g, b)


def test_branding_in_chromium(start_daemon, browser, tmp_path):
    write_branding(tmp_path / "tocsin")
    d = start_daemon(CONFIG)
    status, headers, body = d.raw_request("GET", "/logo.svg")
    assert status == 200 and body == LOGO.encode()
    assert dict(headers)["Content-Type"] == "image/svg+xml"

    from selenium.webdriver.common.by import By
    for scheme, accent in (("light", "#0b5cad"), ("dark", "#7cc4fa")):
        set_color_scheme(browser, scheme)
        for path in ("/", "/history"):
            browser.get(d.url(path))
            links = browser.find_elements(By.CSS_SELECTOR, "header nav a")
            assert [(a.text, a.get_attribute("href")) for a in links] == [
                ("Acme", "https://acme.example/"), ("Support", "mailto:support@acme.example")]
            colours = browser.execute_script(
                "return [...document.querySelectorAll('header nav a, footer a')]"
                ".map(a => getComputedStyle(a).color)")
            assert colours[:2] == [rgb(accent)] * 2, (scheme, path, colours)
            logo = browser.find_element(By.CSS_SELECTOR, "header img.logo")
            assert browser.execute_script("return arguments[0].complete && "
                                          "arguments[0].naturalWidth", logo) == 120
            assert logo.size["height"] == 40  # 2.5rem, whatever the file's size
            # page.css comes after the page's own rules.
            h1 = browser.find_element(By.TAG_NAME, "h1")
            assert h1.value_of_css_property("letter-spacing") == "3px"
            assert "Acme Cloud GmbH \u00b7 Berlin" in browser.find_element(
                By.TAG_NAME, "footer").text
        browser.get(d.url("/"))
        shot(browser, tmp_path, "branding-" + scheme)
    set_color_scheme(browser, "light")
    for path in ("/", "/history", "/uptime"):
        assert_accessible(browser, d.url(path))
    # The API stays the API: no branding in the Statuspage JSON.
    summary = json.loads(d.raw_request("GET", "/api/v2/summary.json")[2])
    assert set(summary["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
