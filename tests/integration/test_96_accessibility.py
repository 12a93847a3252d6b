"""The public pages as axe-core sees them in headless Chromium, light and dark (issue 18): no
violation of WCAG 2.1 A/AA or axe's best practices on /, /history, a month of history, an
incident with updates and a post-mortem, and every subscriber page (the form's answers, the
confirmation and unsubscribe pages). The page under test has the seed's imported history
(every impact label), an open incident, maintenance, and components in every status, so each
colour the stylesheet uses is on screen. The day bars' detail (/page.js) opens on a tap at
390 px and on keyboard focus, and passes axe while open. Screenshots (light, dark, phone) go
to $TOCSIN_SCREENSHOTS.
"""

import datetime
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


def history_without_statuses_of(folder, component):
    """examples/history.json without the status changes its updates record for @component:
    imported, it leaves that component's status log to the daemon, so its row's first days
    have no data (the import would otherwise give the row the history's operational past)."""
    doc = json.loads((REPO / "examples" / "history.json").read_text())
    for inc in doc["incidents"]:
        for up in inc["incident_updates"]:
            up["affected_components"] = [a for a in up.get("affected_components") or []
                                         if a["code"] != component]
    path = folder / "history.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def page(tmp_path_factory, smtp):
    """The daemon with history imported, one open incident, one resolved incident with a
    post-mortem, maintenance in progress and components in every status. Yields (daemon,
    {"open": id, "postmortem": id, "key": an API key})."""
    d = Daemon(tmp_path_factory.mktemp("a11y"), dedent(CONFIG % smtp.port))
    p = run_cli("import", "-c", d.config_path, "--data", d.data_dir, "statuspage",
                history_without_statuses_of(d.dir, "rest"))
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


REST_BARS = "svg.bars[aria-label='Uptime of REST API over the last 90 days']"


def day_date(browser, day):
    """The date of bar @day as the page's script writes it in English ("Sep 3, 2026")."""
    first = json.loads(browser.execute_script(
        "return document.getElementById('tc-days').textContent"))["first"]
    date = datetime.date.fromisoformat(first) + datetime.timedelta(days=day)
    return "%s %d, %d" % (date.strftime("%b"), date.day, date.year)


def tap(browser, element, fraction_x, fraction_y=0.5):
    """A finger's tap (a touch pointer, as a phone sends) at a point of @element given as
    fractions of its width and height."""
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    box = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, "
        "r.height];", element)
    actions = ActionBuilder(browser, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    actions.pointer_action.move_to_location(int(box[0] + box[2] * fraction_x),
                                            int(box[1] + box[3] * fraction_y))
    actions.pointer_action.pointer_down().pointer_up()
    actions.perform()


def test_day_detail_on_tap_at_phone_width(page, browser, tmp_path):
    """At 390 px a tap on a day's bar shows that day: its date, its figures and its
    incidents with links; a tap elsewhere closes it. It passes axe while open."""
    d, ids = page
    from selenium.webdriver.common.by import By
    set_phone(browser)
    try:
        browser.get(d.url("/"))
        bars = browser.find_element(By.CSS_SELECTOR, REST_BARS)
        assert bars.size["width"] < 390
        pop = browser.find_element(By.ID, "tc-day-pop") if browser.find_elements(
            By.ID, "tc-day-pop") else None
        assert pop is None or not pop.is_displayed()
        tap(browser, bars, 89.5 / 90)  # today: the open incident's major outage
        pop = browser.find_element(By.ID, "tc-day-pop")
        assert pop.is_displayed()
        lines = pop.text.split("\n")
        assert lines[0] == day_date(browser, 89), lines
        assert re.fullmatch(r"\d{1,3}\.\d\d% uptime", lines[1]), lines
        assert any(re.fullmatch(r"(<1|\d+) min major outage", x) for x in lines), lines
        link = pop.find_element(By.LINK_TEXT, "Elevated error rates on the REST API")
        assert link.get_attribute("href").endswith("/incidents/" + ids["open"])
        shot(browser, tmp_path, "day-detail-phone")
        for scheme in ("light", "dark"):
            set_color_scheme(browser, scheme)
            found = axe_violations(browser)
            assert not found, "the open day detail (%s):\n%s" % (scheme, describe(found))
        set_color_scheme(browser, "light")
        # The first day, before the component existed, says so; the screen reader's value
        # text follows the day.
        tap(browser, bars, 0.5 / 90)
        assert pop.text.split("\n") == [day_date(browser, 0), "No data"]
        assert bars.get_attribute("aria-valuetext") == day_date(browser, 0) + ": No data"
        tap(browser, browser.find_element(By.TAG_NAME, "h1"), 0.5)
        assert not pop.is_displayed()
    finally:
        set_phone(browser, None)


def test_day_detail_on_keyboard_focus(page, browser):
    """Tab reaches the bars, which show today's detail on focus; the arrow keys move through
    the days; Tab goes on to the day's incident link, and on leaving, the detail closes."""
    d, ids = page
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    browser.get(d.url("/"))
    bars = browser.find_element(By.CSS_SELECTOR, REST_BARS)

    def press(key):
        ActionChains(browser).send_keys(key).perform()

    for _ in range(60):
        press(Keys.TAB)
        if browser.switch_to.active_element == bars:
            break
    else:
        pytest.fail("Tab never reached the REST API's bars")
    assert bars.get_attribute("role") == "slider"
    pop = browser.find_element(By.ID, "tc-day-pop")
    assert pop.is_displayed() and pop.text.startswith(day_date(browser, 89) + "\n")
    assert "Elevated error rates on the REST API" in pop.text
    assert "major outage" in bars.get_attribute("aria-valuetext")
    press(Keys.ARROW_LEFT)
    assert bars.get_attribute("aria-valuenow") == "89"
    assert pop.text.split("\n") == [day_date(browser, 88), "No data"]
    press(Keys.END)
    assert bars.get_attribute("aria-valuenow") == "90"
    press(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.text == "Elevated error rates on the REST API"
    assert pop.is_displayed()
    press(Keys.TAB)
    assert not pop.is_displayed()
    found = axe_violations(browser)
    assert not found, describe(found)


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
