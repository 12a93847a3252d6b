"""The page and the subscribe form with non-ASCII and hostile text, as a visitor sees them in
headless Chromium (issue 12): names in other scripts render as sent, markup in names stays
text, and the subscribe form answers every address with a readable page. Screenshots go to
$TOCSIN_SCREENSHOTS (default: the test's tmp folder) so a person can look at them.
"""

import json

import pytest

from browser import click_and_wait, shot
from test_80_write_api import make_key
from test_90_notify import SmtpSink

webdriver = pytest.importorskip("selenium.webdriver", reason="python3-selenium is needed")
from selenium.webdriver.common.by import By  # noqa: E402

CONFIG = """\
page:
  id: intl
  name: Statusseite Zahlungsdienst
  url: http://status.example.test
  time_zone: Europe/Berlin
components:
  - id: pay
    name: Zahlungs-API (Überweisungen)
  - id: jp
    name: 決済API
  - id: ar
    name: خدمة الدفع
channels:
  - {id: mail, kind: email, url: 'smtp://127.0.0.1:%d', from: status@example.test,
     to: [ops@example.test]}
subscribers:
  email_channel: mail
"""

HOSTILE = '<img src=x onerror="document.title=\'pwned\'"> Ausfall 🚑 <b>bold</b>'


@pytest.fixture
def smtp():
    s = SmtpSink()
    yield s
    s.close()


def test_page_shows_other_scripts_and_keeps_markup_inert(start_daemon, smtp, browser,
                                                         tmp_path):
    d = start_daemon(CONFIG % smtp.port)
    key = make_key(d)
    status, _, body = d.raw_request(
        "POST", "/v1/pages/intl/incidents",
        headers={"Authorization": "OAuth " + key, "Content-Type": "application/json"},
        body=json.dumps({"incident": {
            "name": HOSTILE, "status": "investigating",
            "body": "Wir untersuchen das Problem. 調査中です。 **fett** <script>x()</script>",
            "components": {"pay": "major_outage", "jp": "degraded_performance"}}}))
    assert status == 201, body
    d.wait_for(lambda: [i for i in json.loads(d.raw_request(
        "GET", "/api/v2/incidents/unresolved.json")[2])["incidents"] if i["name"] == HOSTILE],
        what="the incident on the page")
    browser.get(d.url("/"))
    text = browser.find_element(By.TAG_NAME, "body").text
    for name in ("Zahlungs-API (Überweisungen)", "決済API", "خدمة الدفع"):
        assert name in text, text
    # The name is shown as the text it is; nothing in it ran.
    assert '<img src=x onerror="document.title=\'pwned\'"> Ausfall 🚑 <b>bold</b>' in text
    assert browser.title != "pwned"
    assert not browser.find_elements(By.CSS_SELECTOR, "main img[src='x']")
    assert "Wir untersuchen das Problem. 調査中です。" in text
    shot(browser, tmp_path, "page-intl")


def test_subscribe_form_with_non_ascii_addresses(start_daemon, smtp, browser, tmp_path):
    d = start_daemon(CONFIG % smtp.port)

    def submit(address):
        browser.get(d.url("/"))
        form = browser.find_element(By.CSS_SELECTOR, "form[action='/api/v2/subscribers']")
        # A client without the browser's own address check (as any script is).
        browser.execute_script("arguments[0].noValidate = true;", form)
        field = browser.find_element(By.ID, "subscribe-email")
        field.send_keys(address)
        click_and_wait(browser, form.find_element(By.TAG_NAME, "button"))
        return browser.find_element(By.TAG_NAME, "body").text

    # An internationalised domain is accepted and a confirmation goes out.
    text = submit("jürgen@bücher.example")
    assert "Check your inbox" in text and "jürgen@bücher.example" in text, text
    shot(browser, tmp_path, "subscribe-ok")
    d.wait_for(lambda: smtp.to("jürgen@bücher.example") or smtp.messages, timeout=10,
               what="the confirmation")
    # The address that crashed the daemon: a readable refusal, cut between characters.
    text = submit("é" * 60 + "@example")
    assert "Subscription not saved" in text and "not a valid e-mail address" in text, text
    assert "é" * 20 in text and "\ufffd" not in text
    shot(browser, tmp_path, "subscribe-refused")
    status, _, _ = d.raw_request("GET", "/healthz")
    assert status == 200
