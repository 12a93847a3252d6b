"""The public pages as axe-core sees them in headless Chromium, light and dark (issue 18): no
violation of WCAG 2.1 A/AA or axe's best practices on /, /history, a month of history, an
incident with updates and a post-mortem, and every subscriber page (the form's answers, the
confirmation and unsubscribe pages). The page under test has the seed's imported history
(every impact label), an open incident, maintenance, and components in every status, so each
colour the stylesheet uses is on screen. Screenshots (light, dark, phone) go to
$TOCSIN_SCREENSHOTS.
"""

import json
import re
import urllib.parse

import pytest

from browser import (assert_accessible, axe_violations, click_and_wait, describe,
                     full_page_shot, set_color_scheme, set_phone, shot)
from conftest import REPO, Daemon, dedent, run_cli
from test_80_write_api import make_key
from test_90_notify import SmtpSink, parts

CONFIG = """\
page:
  id: a11y
  name: Example API
  url: http://status.example.test
  time_zone: America/Los_Angeles
  description: Real-time status of the Example voice API and its dependencies.
groups:
  - id: api
    name: API
    description: The public REST and WebSocket endpoints.
  - id: vendors
    name: Speech vendors
components:
  - id: rest
    name: REST API
    group: api
  - id: websocket
    name: WebSocket API
    group: api
  - id: deepgram
    name: Deepgram
    group: vendors
  - id: elevenlabs
    name: ElevenLabs
    group: vendors
  - id: cartesia
    name: Cartesia
    group: vendors
  - id: dashboard
    name: Dashboard
channels:
  - {id: mail, kind: email, url: 'smtp://127.0.0.1:%d', from: status@example.test,
     to: [ops@example.test]}
subscribers:
  email_channel: mail
  rate_limit: 100
"""


@pytest.fixture(scope="module")
def smtp():
    s = SmtpSink()
    yield s
    s.close()


def api(d, key, method, path, doc=None):
    status, _, body = d.raw_request(
        method, "/v1/pages/a11y/" + path, body=json.dumps(doc) if doc is not None else None,
        headers={"Authorization": "OAuth " + key, "Content-Type": "application/json"})
    assert status in (200, 201), (method, path, body)
    return json.loads(body)


@pytest.fixture(scope="module")
def page(tmp_path_factory, smtp):
    """The daemon with history imported, one open incident, one resolved incident with a
    post-mortem, maintenance in progress and components in every status. Yields (daemon,
    {"open": id, "postmortem": id, "key": an API key})."""
    d = Daemon(tmp_path_factory.mktemp("a11y"), dedent(CONFIG % smtp.port))
    p = run_cli("import", "-c", d.config_path, "--data", d.data_dir, "statuspage",
                REPO / "examples" / "history.json")
    assert p.returncode == 0, p.stderr
    d.start()
    try:
        key = make_key(d)
        ids = {"key": key}
        inc = api(d, key, "POST", "incidents", {"incident": {
            "name": "Elevated error rates on the REST API", "status": "identified",
            "body": "We found the cause: a **database** failover. A fix is rolling out.",
            "components": {"rest": "major_outage", "websocket": "degraded_performance"}}})
        ids["open"] = inc["id"]
        done = api(d, key, "POST", "incidents", {"incident": {
            "name": "Delayed transcripts from Deepgram", "status": "investigating",
            "body": "Transcripts arrive late.", "components": {"deepgram": "partial_outage"}}})
        api(d, key, "PATCH", "incidents/" + done["id"], {"incident": {
            "status": "monitoring", "body": "A fix is in place; we are watching it."}})
        api(d, key, "PATCH", "incidents/" + done["id"], {"incident": {
            "status": "resolved", "body": "Transcripts are on time again.",
            "components": {"deepgram": "operational"}}})
        api(d, key, "PUT", "incidents/%s/postmortem" % done["id"], {"postmortem": {
            "body_draft": "## Root cause\n\nA queue filled up.\n\n- one\n- two\n\n"
                          "[Details](https://example.test/postmortem)"}})
        api(d, key, "PUT", "incidents/%s/postmortem/publish" % done["id"], {})
        ids["postmortem"] = done["id"]
        api(d, key, "POST", "incidents", {"incident": {
            "name": "Database upgrade", "status": "in_progress", "scheduled_for":
            "2020-01-01T00:00:00Z", "scheduled_until": "2099-01-01T00:00:00Z",
            "body": "Upgrading.", "components": {"cartesia": "under_maintenance"}}})
        api(d, key, "PATCH", "components/elevenlabs",
            {"component": {"status": "partial_outage"}})
        d.wait_for(lambda: b"Database upgrade" in d.raw_request("GET", "/")[2],
                   what="the maintenance on /")
        yield d, ids
    finally:
        d.stop()


def test_status_page_light_and_dark(page, browser, tmp_path):
    d, _ = page
    assert_accessible(browser, d.url("/"))
    for scheme in ("light", "dark"):
        set_color_scheme(browser, scheme)
        browser.get(d.url("/"))
        full_page_shot(browser, tmp_path, "a11y-page-" + scheme)
    set_color_scheme(browser, "light")
    set_phone(browser)
    browser.get(d.url("/"))
    found = axe_violations(browser)
    assert not found, "at 390 px:\n" + describe(found)
    full_page_shot(browser, tmp_path, "a11y-page-phone")
    shot(browser, tmp_path, "a11y-page-phone-top")


def test_uptime_report_and_embed(page, browser):
    d, ids = page
    assert_accessible(browser, d.url("/uptime"))
    assert_accessible(browser, d.url("/embed"))


def test_history_pages(page, browser):
    d, _ = page
    assert_accessible(browser, d.url("/history"))
    months = re.findall(r'href="(/history/\d{4}-\d{2})"', d.raw_request("GET", "/history")[2]
                        .decode())
    assert months, "the imported history has months"
    assert_accessible(browser, d.url(months[-1]))


def test_incident_pages(page, browser, tmp_path):
    d, ids = page
    assert_accessible(browser, d.url("/incidents/" + ids["postmortem"]))
    full_page_shot(browser, tmp_path, "a11y-incident-postmortem")
    assert_accessible(browser, d.url("/incidents/" + ids["open"]))


def test_subscriber_pages(page, browser, smtp, tmp_path):
    d, _ = page
    from selenium.webdriver.common.by import By

    def subscribe(address):
        browser.get(d.url("/"))
        form = browser.find_element(By.CSS_SELECTOR, "form[action='/api/v2/subscribers']")
        # The server's answer to a bad address is checked too, so skip the browser's own.
        browser.execute_script("arguments[0].noValidate = true;", form)
        browser.find_element(By.ID, "subscribe-email").send_keys(address)
        click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button[type='submit']"))

    for scheme in ("light", "dark"):
        set_color_scheme(browser, scheme)
        address = "reader-%s@example.test" % scheme
        subscribe(address)
        assert "Check your inbox" in browser.find_element(By.TAG_NAME, "body").text
        found = axe_violations(browser)
        assert not found, "the subscribe answer (%s):\n%s" % (scheme, describe(found))
        shot(browser, tmp_path, "a11y-subscribe-notice-" + scheme)
        d.wait_for(lambda: smtp.to(address), timeout=10, what="the confirmation")
        text = parts(smtp.to(address)[0]["msg"])["text/plain"]
        confirm = re.search(r"https?://\S*/subscribers/confirm/\w+", text).group(0)
        unsubscribe = re.search(r"https?://\S*/subscribers/unsubscribe/\S+", text).group(0)
        path = urllib.parse.urlsplit(confirm).path
        browser.get(d.url(path))
        found = axe_violations(browser)
        assert not found, "the confirmation page (%s):\n%s" % (scheme, describe(found))
        click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form button"))
        assert "confirmed" in browser.find_element(By.TAG_NAME, "body").text
        found = axe_violations(browser)
        assert not found, "the confirmed page (%s):\n%s" % (scheme, describe(found))
        browser.get(d.url(urllib.parse.urlsplit(unsubscribe).path))
        found = axe_violations(browser)
        assert not found, "the unsubscribe page (%s):\n%s" % (scheme, describe(found))
        subscribe("not-an-address@")
        assert "Subscription not saved" in browser.find_element(By.TAG_NAME, "body").text
        found = axe_violations(browser)
        assert not found, "the refusal page (%s):\n%s" % (scheme, describe(found))
    set_color_scheme(browser, "light")
    assert_accessible(browser, d.url("/subscribers/confirm/" + "0" * 32))
    assert_accessible(browser, d.url("/no/such/page"))


def test_subscribe_form_with_component_choice(page, browser, smtp, tmp_path):
    """The button at the top leads to the form; the component choice opens without
    JavaScript, passes axe in both schemes, and ticking a group subscribes to its
    components."""
    d, ids = page
    from selenium.webdriver.common.by import By

    for scheme in ("light", "dark"):
        set_color_scheme(browser, scheme)
        browser.get(d.url("/"))
        browser.find_element(By.LINK_TEXT, "Subscribe to updates").click()
        assert browser.current_url.endswith("#subscribe")
        browser.find_element(By.CSS_SELECTOR, "#subscribe summary").click()
        group = browser.find_element(By.CSS_SELECTOR, "#subscribe input[value='api']")
        assert group.is_displayed()
        found = axe_violations(browser)
        assert not found, "the open form (%s):\n%s" % (scheme, describe(found))
        shot(browser, tmp_path, "a11y-subscribe-form-" + scheme)
    set_color_scheme(browser, "light")

    group.click()  # the "API" group, and one of its components again
    browser.find_element(By.CSS_SELECTOR, "#subscribe input[value='rest']").click()
    browser.find_element(By.CSS_SELECTOR, "#subscribe input[value='dashboard']").click()
    browser.find_element(By.ID, "subscribe-email").send_keys("chooser@example.test")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#subscribe button"))
    assert "Check your inbox" in browser.find_element(By.TAG_NAME, "body").text
    subs = api(d, ids["key"], "GET", "subscribers")
    chosen = [s["components"] for s in subs if s["email"] == "chooser@example.test"]
    assert chosen == [["rest", "websocket", "dashboard"]], subs
