"""The operators' console (/admin/, issue 13): a person logs in with a user made by
`tocsin user add`, opens an incident with two components, updates and resolves it and
publishes a post-mortem, in headless Chromium; the incident reaches the public page, the
Statuspage API and a subscriber's webhook. And the refusals: no session, no or a wrong CSRF
token, a form from another origin, a wrong password (one generic message) and a sixth attempt
within a minute. Screenshots go to $TOCSIN_SCREENSHOTS (default: the test's tmp folder).
"""

import json
import os
import re
from pathlib import Path

import pytest
import requests

from conftest import run_cli
from test_90_notify import WebhookSink

webdriver = pytest.importorskip("selenium.webdriver", reason="python3-selenium is needed")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

CHROMEDRIVER = "/usr/bin/chromedriver"
PASSWORD = "correct horse battery"

CONFIG = """\
page:
  id: acme
  name: Acme API
  time_zone: Europe/Berlin
groups:
  - id: api
    name: API
components:
  - id: rest
    name: REST API
    group: api
  - id: ws
    name: WebSocket API (Échange)
    group: api
  - id: dash
    name: Dashboard
subscribers:
  allow_private_webhooks: true
"""


def add_user(d, name, role="editor", password=PASSWORD):
    p = run_cli("user", "-c", d.config_path, "--data", d.data_dir, "add", name, "--role", role,
                input_text=password + "\n")
    assert p.returncode == 0, p.stderr
    return p


@pytest.fixture
def browser():
    if not os.path.exists(CHROMEDRIVER):
        pytest.skip("chromium-driver is needed")
    opts = Options()
    opts.add_argument("--headless=new")
    opts.add_argument("--no-sandbox")
    opts.add_argument("--window-size=1280,1600")
    b = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
    yield b
    b.quit()


@pytest.fixture
def sink():
    s = WebhookSink()
    yield s
    s.close()


def shot(browser, tmp_path, name):
    folder = Path(os.environ.get("TOCSIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("console-" + name + ".png")
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 1000
    return path


def wait_text(browser, text, css="main", timeout=10):
    """Wait until the element @css (after any navigation) shows @text; returns its text."""
    def seen(b):
        try:
            t = b.find_element(By.CSS_SELECTOR, css).text
        except Exception:  # stale or not there yet while the next page loads
            return False
        return t if text in t else False
    return WebDriverWait(browser, timeout).until(seen)


def log_in(browser, d, name, password=PASSWORD):
    browser.get(d.url("/admin/"))
    # No session: the login page, which returns to the page asked for.
    assert "/admin/login" in browser.current_url
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def test_incident_from_the_console_reaches_page_api_and_subscribers(start_daemon, browser, sink,
                                                                    tmp_path):
    d = start_daemon(CONFIG)
    add_user(d, "dana")
    status, _, body = d.raw_request(
        "POST", "/api/v2/subscribers", headers={"Content-Type": "application/json"},
        body=json.dumps({"subscriber": {"endpoint": sink.url("/hook")}}))
    assert status == 201, body

    log_in(browser, d, "dana")
    wait_text(browser, "Overview", "h1")
    assert "dana (editor)" in browser.find_element(By.CSS_SELECTOR, "header").text
    shot(browser, tmp_path, "overview")

    browser.find_element(By.LINK_TEXT, "New incident").click()
    browser.find_element(By.ID, "name").send_keys("Elevated API errors – Überlast")
    message = browser.find_element(By.ID, "message")
    assert message.get_attribute("value") == "We are currently investigating this issue."
    message.clear()
    message.send_keys("We are investigating **elevated error rates** on the REST API.")
    Select(browser.find_element(By.NAME, "c.rest")).select_by_value("major_outage")
    Select(browser.find_element(By.NAME, "c.ws")).select_by_value("degraded_performance")
    # The notify box says how many subscribers it will reach.
    assert "reaches 1 confirmed subscriber" in \
        browser.find_element(By.CSS_SELECTOR, "form.incident-form").text
    browser.find_element(By.CSS_SELECTOR, "button[value=preview]").click()
    wait_text(browser, "Elevated API errors – Überlast", "section.preview")
    preview = browser.find_element(By.CSS_SELECTOR, "section.preview")
    assert "elevated error rates" in preview.text
    # Rendered from Markdown by the page's own renderer, not shown as asterisks.
    assert preview.find_element(By.TAG_NAME, "strong").text == "elevated error rates"
    shot(browser, tmp_path, "new-incident-preview")
    browser.find_element(By.CSS_SELECTOR, "button[value=publish]").click()

    wait_text(browser, "Timeline")
    incident_id = browser.current_url.rstrip("/").split("/")[-1]
    assert re.fullmatch(r"[a-z0-9]{12}", incident_id), browser.current_url
    assert browser.find_element(By.TAG_NAME, "h1").text == "Elevated API errors – Überlast"

    # On the public page, in the Statuspage API with both components, and delivered.
    page = d.wait_for(lambda: (lambda b: b if "Überlast" in b else None)(
        d.raw_request("GET", "/")[2].decode()), what="the incident on /")
    assert "Elevated API errors" in page
    doc = json.loads(d.raw_request("GET", "/api/v2/incidents.json")[2])
    inc = [i for i in doc["incidents"] if i["id"] == incident_id][0]
    assert inc["status"] == "investigating" and inc["impact"] == "critical"
    assert sorted(c["id"] for c in inc["components"]) == ["rest", "ws"]
    hooks = d.wait_for(lambda: [r for r in sink.records if r["json"] and
                                (r["json"].get("incident") or {}).get("id") == incident_id],
                       timeout=10, what="the subscriber's webhook")
    assert hooks[0]["json"]["incident"]["name"] == "Elevated API errors – Überlast"

    # An update: choosing "Identified" offers its usual message (console.js).
    browser.find_element(By.CSS_SELECTOR, "input[name=status][value=identified]").click()
    box = browser.find_element(By.ID, "message")
    assert box.get_attribute("value") == \
        "The issue has been identified and a fix is being implemented."
    browser.find_element(By.CSS_SELECTOR, "button[value=publish]").click()
    wait_text(browser, "Identified", "ol.timeline")
    d.wait_for(lambda: json.loads(d.raw_request(
        "GET", "/api/v2/incidents/unresolved.json")[2])["incidents"][0]["status"] == "identified",
        what="the update in the API")

    # Resolve, with the components back to operational.
    browser.find_element(By.CSS_SELECTOR, "input[name=status][value=resolved]").click()
    Select(browser.find_element(By.NAME, "c.rest")).select_by_value("operational")
    Select(browser.find_element(By.NAME, "c.ws")).select_by_value("operational")
    browser.find_element(By.CSS_SELECTOR, "button[value=publish]").click()
    wait_text(browser, "Resolved", "ol.timeline")
    d.wait_for(lambda: not json.loads(d.raw_request(
        "GET", "/api/v2/incidents/unresolved.json")[2])["incidents"], what="resolved")
    summary = json.loads(d.raw_request("GET", "/api/v2/summary.json")[2])
    assert all(c["status"] == "operational" for c in summary["components"])

    # The post-mortem, with headings and a timeline, published on the public incident page.
    pm = browser.find_element(By.ID, "postmortem")
    pm.send_keys("## What happened\n\nA bad deploy.\n\n## Timeline\n\n- 10:02 alert\n"
                 "- 10:30 rolled back\n")
    browser.find_element(By.CSS_SELECTOR, "form[action$=postmortem] button[value=publish]").click()
    wait_text(browser, "The post-mortem is published.")
    shot(browser, tmp_path, "incident-resolved")
    public = d.wait_for(lambda: (lambda b: b if "A bad deploy." in b else None)(
        d.raw_request("GET", "/incidents/" + incident_id)[2].decode()),
        what="the post-mortem on the incident page")
    assert "What happened" in public

    # The audit log says who did it.
    browser.get(d.url("/admin/audit"))
    log = browser.find_element(By.TAG_NAME, "table").text
    assert "user:dana" in log and "incident.create" in log and "postmortem.publish" in log


def console_session(d, name, password=PASSWORD):
    """A requests session logged in as @name; returns (session, csrf token)."""
    s = requests.Session()
    s.headers["Origin"] = d.base
    r = s.post(d.url("/admin/login"), data={"name": name, "password": password},
               allow_redirects=False)
    assert r.status_code == 303, r.text
    page = s.get(d.url("/admin/incidents/new")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return s, csrf


def incident_count(d):
    return len(json.loads(d.raw_request("GET", "/api/v2/incidents.json")[2])["incidents"])


def test_refusals_change_nothing(start_daemon):
    d = start_daemon(CONFIG)
    add_user(d, "erin")
    # No session: every console page sends to the login page.
    r = requests.get(d.url("/admin/incidents"), allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].startswith("/admin/login")
    assert r.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    r = requests.post(d.url("/admin/incidents"), headers={"Origin": d.base},
                      data={"name": "x", "status": "investigating"}, allow_redirects=False)
    assert r.status_code == 303 and incident_count(d) == 0

    s, csrf = console_session(d, "erin")
    form = {"name": "Should not exist", "status": "investigating", "message": "no",
            "action": "publish"}
    # Without a CSRF token, with a wrong one, and from another origin: 403, nothing changed.
    assert s.post(d.url("/admin/incidents"), data=form, allow_redirects=False).status_code == 403
    bad = dict(form, csrf="A" * 43)
    assert s.post(d.url("/admin/incidents"), data=bad, allow_redirects=False).status_code == 403
    good = dict(form, csrf=csrf)
    r = s.post(d.url("/admin/incidents"), data=good, headers={"Origin": "http://evil.example"},
               allow_redirects=False)
    assert r.status_code == 403
    assert incident_count(d) == 0
    # The same form with the token goes through.
    r = s.post(d.url("/admin/incidents"), data=good, allow_redirects=False)
    assert r.status_code == 303
    d.wait_for(lambda: incident_count(d) == 1, what="the incident in the API")

    # A form with errors comes back with what was typed and the message at the field.
    r = s.post(d.url("/admin/incidents"), data={"csrf": csrf, "name": "Kept <title>",
                                                "message": "typed text", "action": "publish"})
    assert r.status_code == 422
    assert "Choose a status." in r.text and "Kept &lt;title&gt;" in r.text
    assert "typed text" in r.text and incident_count(d) == 1
    # Invalid UTF-8 in a field is refused with words, not a crash.
    r = s.post(d.url("/admin/incidents"), data=b"csrf=" + csrf.encode() +
               b"&name=ok&status=investigating&message=%ff%fe&action=publish",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and "not valid UTF-8" in r.text
    assert incident_count(d) == 1


def test_login_failures_are_generic_and_rate_limited(start_daemon):
    d = start_daemon(CONFIG)
    add_user(d, "frank")
    s = requests.Session()
    s.headers["Origin"] = d.base
    texts = []
    for name, password in [("frank", "wrong password"), ("nobody", PASSWORD),
                           ("frank", ""), ("frank", "also wrong"), ("frank", "still wrong")]:
        r = s.post(d.url("/admin/login"), data={"name": name, "password": password},
                   allow_redirects=False)
        assert r.status_code == 401, r.text
        texts.append(re.search(r'class="notice error"[^>]*>([^<]*)<', r.text).group(1))
        assert "tocsin_session" not in r.headers.get("Set-Cookie", "")
    # One message whatever was wrong, so it does not tell which names exist.
    assert set(texts) == {"Wrong user name or password."}
    # The sixth attempt within a minute is refused, even with the right password.
    r = s.post(d.url("/admin/login"), data={"name": "frank", "password": PASSWORD},
               allow_redirects=False)
    assert r.status_code == 429 and "Too many attempts" in r.text


def test_user_commands_and_session_end(start_daemon):
    d = start_daemon(CONFIG)
    add_user(d, "gina", role="admin")
    p = run_cli("user", "-c", d.config_path, "--data", d.data_dir, "add", "gina",
                input_text=PASSWORD + "\n")
    assert p.returncode == 2 and "exists already" in p.stderr
    p = run_cli("user", "-c", d.config_path, "--data", d.data_dir, "add", "hal",
                input_text="short\n")
    assert p.returncode == 2 and "8 to 1024 characters" in p.stderr
    p = run_cli("user", "-c", d.config_path, "--data", d.data_dir, "list")
    assert p.returncode == 0 and re.search(r"^gina\s+admin", p.stdout, re.M), p.stdout
    assert PASSWORD not in p.stdout and "argon2" not in p.stdout
    s, _ = console_session(d, "gina")
    assert s.get(d.url("/admin/"), allow_redirects=False).status_code == 200
    # A new password ends the sessions that exist.
    p = run_cli("user", "-c", d.config_path, "--data", d.data_dir, "passwd", "gina",
                input_text="another long password\n")
    assert p.returncode == 0, p.stderr
    assert s.get(d.url("/admin/"), allow_redirects=False).status_code == 303
    s, _ = console_session(d, "gina", "another long password")
    p = run_cli("user", "-c", d.config_path, "--data", d.data_dir, "remove", "gina")
    assert p.returncode == 0, p.stderr
    assert s.get(d.url("/admin/"), allow_redirects=False).status_code == 303
    # Only a hash is stored.
    assert PASSWORD.encode() not in (Path(d.data_dir) / "tocsin.db").read_bytes()


def test_logout_ends_the_session(start_daemon):
    d = start_daemon(CONFIG)
    add_user(d, "ivy")
    s, csrf = console_session(d, "ivy")
    cookie = s.cookies.get("tocsin_session")
    r = s.post(d.url("/admin/logout"), data={"csrf": csrf}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/login"
    # The old cookie no longer opens anything, even when sent again by hand.
    r = requests.get(d.url("/admin/"), cookies={"tocsin_session": cookie}, allow_redirects=False)
    assert r.status_code == 303


def test_maintenance_once_and_weekly(start_daemon, browser, tmp_path):
    """A one-off window starting at the next minute becomes active by itself; a weekly window
    is made into the next scheduled maintenance at once, at its local time."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    d = start_daemon(CONFIG)
    add_user(d, "kim")
    log_in(browser, d, "kim")
    wait_text(browser, "Overview", "h1")
    browser.find_element(By.LINK_TEXT, "Maintenance").click()
    wait_text(browser, "Schedule a window")

    berlin = ZoneInfo("Europe/Berlin")
    now = datetime.now(berlin)
    start = (now + timedelta(seconds=80)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=1)
    browser.find_element(By.ID, "once-name").send_keys("Database upgrade")
    for field, when in (("once-start", start), ("once-end", end)):
        browser.execute_script("arguments[0].value = arguments[1]",
                               browser.find_element(By.ID, field),
                               when.strftime("%Y-%m-%dT%H:%M"))
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/admin/maintenance']")
    form.find_element(By.NAME, "m.rest").click()
    form.find_element(By.NAME, "m.ws").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_text(browser, "scheduled from")
    shot(browser, tmp_path, "maintenance-once")

    upcoming = json.loads(d.raw_request(
        "GET", "/api/v2/scheduled-maintenances/upcoming.json")[2])["scheduled_maintenances"]
    m = [x for x in upcoming if x["name"] == "Database upgrade"][0]
    assert datetime.fromisoformat(m["scheduled_for"]) == start
    assert datetime.fromisoformat(m["scheduled_until"]) == end
    assert sorted(c["id"] for c in m["components"]) == ["rest", "ws"]

    # Weekly on today's and tomorrow's weekday at 03:30 local time, for 90 minutes.
    browser.get(d.url("/admin/maintenance"))
    browser.find_element(By.ID, "rec-name").send_keys("Weekly patching")
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/admin/maintenance/recurring']")
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for day in {days[now.weekday()], days[(now.weekday() + 1) % 7]}:
        form.find_element(By.CSS_SELECTOR, "input[name=day][value=%s]" % day).click()
    browser.execute_script("arguments[0].value = '03:30'", browser.find_element(By.ID, "rec-at"))
    minutes = browser.find_element(By.ID, "rec-minutes")
    minutes.clear()
    minutes.send_keys("90")
    form.find_element(By.NAME, "m.dash").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    text = wait_text(browser, "repeats every week now")
    assert "at 03:30 for 1 h 30 min" in text
    shot(browser, tmp_path, "maintenance-weekly")
    # Its next window: today at 03:30 if that is still ahead, else tomorrow's.
    first = now.replace(hour=3, minute=30, second=0, microsecond=0)
    if first < now - timedelta(minutes=90) + timedelta(seconds=1):
        first = (now + timedelta(days=1)).replace(hour=3, minute=30, second=0, microsecond=0)
    weekly = d.wait_for(lambda: [x for x in json.loads(d.raw_request(
        "GET", "/api/v2/scheduled-maintenances.json")[2])["scheduled_maintenances"]
        if x["name"] == "Weekly patching"], what="the weekly window")
    assert datetime.fromisoformat(weekly[0]["scheduled_for"]) == first
    assert [c["id"] for c in weekly[0]["components"]] == ["dash"]

    # The one-off window starts by itself.
    def active():
        doc = json.loads(d.raw_request("GET", "/api/v2/scheduled-maintenances/active.json")[2])
        return [x for x in doc["scheduled_maintenances"] if x["name"] == "Database upgrade"]
    d.wait_for(active, timeout=120, interval=1, what="the maintenance to start")
    comps = json.loads(d.raw_request("GET", "/api/v2/components.json")[2])["components"]
    assert {c["id"]: c["status"] for c in comps}["rest"] == "under_maintenance"


def test_incident_templates(start_daemon, browser, tmp_path):
    d = start_daemon(CONFIG + """\
incident_templates:
  - id: api-errors
    name: Elevated API errors
    status: investigating
    message: We are investigating elevated error rates on the API.
    components: {rest: partial_outage, ws: degraded_performance}
""")
    add_user(d, "lee")
    log_in(browser, d, "lee")
    wait_text(browser, "Overview", "h1")
    browser.get(d.url("/admin/incidents/new"))
    Select(browser.find_element(By.ID, "template")).select_by_value("api-errors")
    browser.find_element(By.CSS_SELECTOR, "form.template button").click()
    wait_text(browser, "Elevated API errors", "section.preview")
    assert browser.find_element(By.ID, "name").get_attribute("value") == "Elevated API errors"
    assert Select(browser.find_element(By.NAME, "c.rest")).first_selected_option \
        .get_attribute("value") == "partial_outage"
    assert Select(browser.find_element(By.NAME, "c.ws")).first_selected_option \
        .get_attribute("value") == "degraded_performance"
    shot(browser, tmp_path, "template")
    browser.find_element(By.CSS_SELECTOR, "button[value=publish]").click()
    wait_text(browser, "Timeline")
    doc = d.wait_for(lambda: json.loads(d.raw_request(
        "GET", "/api/v2/incidents/unresolved.json")[2])["incidents"], what="the incident")
    assert doc[0]["name"] == "Elevated API errors" and doc[0]["impact"] == "major"
    assert doc[0]["incident_updates"][0]["body"] == \
        "We are investigating elevated error rates on the API."


def test_backfill_edit_update_and_authors(start_daemon):
    """A past incident goes into the history with its own dates and tells nobody; an update's
    text and time can be corrected; the console shows who posted each update."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    d = start_daemon(CONFIG)
    add_user(d, "maxine.q")
    s, csrf = console_session(d, "maxine.q")
    berlin = ZoneInfo("Europe/Berlin")
    start = (datetime.now(berlin) - timedelta(days=3)).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=95)
    r = s.post(d.url("/admin/incidents/backfill"), allow_redirects=False, data={
        "csrf": csrf, "name": "Gateway 521s – last week", "started": start.strftime(
            "%Y-%m-%dT%H:%M"), "resolved": end.strftime("%Y-%m-%dT%H:%M"),
        "message": "New connections failed.", "c.rest": "major_outage"})
    assert r.status_code == 303, r.text
    incident_id = r.headers["Location"].rsplit("/", 1)[1]
    doc = d.wait_for(lambda: [i for i in json.loads(d.raw_request(
        "GET", "/api/v2/incidents.json")[2])["incidents"] if i["id"] == incident_id],
        what="the backfilled incident")[0]
    assert doc["status"] == "resolved" and doc["impact"] == "critical"
    assert datetime.fromisoformat(doc["started_at"]) == start
    assert datetime.fromisoformat(doc["resolved_at"]) == end
    assert [u["status"] for u in doc["incident_updates"]] == ["resolved", "investigating"]
    # It is not open, so the page's status is untouched.
    assert json.loads(d.raw_request("GET", "/api/v2/status.json")[2])["status"]["indicator"] \
        == "none"
    # A backfill that ends in the future is refused with words.
    r = s.post(d.url("/admin/incidents/backfill"), data={
        "csrf": csrf, "name": "Not yet", "started": start.strftime("%Y-%m-%dT%H:%M"),
        "resolved": (datetime.now(berlin) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 422 and "in the past" in r.text

    # Correct the first update's text and time.
    update_id = doc["incident_updates"][1]["id"]
    fixed = start + timedelta(minutes=5)
    r = s.post(d.url("/admin/incidents/%s/updates/%s" % (incident_id, update_id)),
               allow_redirects=False, data={"csrf": csrf, "body": "New connections got 521.",
                                            "display_at": fixed.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 303, r.text
    after_edit = r.headers["Location"]

    def edited():
        inc = [i for i in json.loads(d.raw_request("GET", "/api/v2/incidents.json")[2])[
            "incidents"] if i["id"] == incident_id][0]
        u = [u for u in inc["incident_updates"] if u["id"] == update_id][0]
        return u if u["body"] == "New connections got 521." else None
    u = d.wait_for(edited, what="the edited update")
    assert datetime.fromisoformat(u["display_at"]) == fixed
    page = s.get(d.url(after_edit)).text
    assert "The update is changed" in page and "by maxine.q" in page
    # Authors stay in the console: the public JSON and page do not name them.
    assert "maxine.q" not in d.raw_request("GET", "/incidents/" + incident_id)[2].decode()
    assert "author" not in d.raw_request("GET", "/api/v2/incidents.json")[2].decode()


def test_console_on_its_own_address(start_daemon):
    """admin.listen: the console answers there and only there; the page's port has no /admin
    and the console's port has no page."""
    from conftest import free_port
    port = free_port()
    d = start_daemon(CONFIG + "admin:\n  listen: 127.0.0.1:%d\n" % port)
    add_user(d, "nora")
    console = "http://127.0.0.1:%d" % port
    d.wait_for(lambda: d.stderr.count("console on http://127.0.0.1:%d/admin/" % port),
               what="the console's log line")
    assert requests.get(d.url("/admin/"), allow_redirects=False).status_code == 404
    assert requests.get(d.url("/admin/assets/console.css")).status_code == 404
    assert requests.get(d.url("/")).status_code == 200
    r = requests.get(console + "/admin/", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].startswith("/admin/login")
    assert requests.get(console + "/admin/assets/console.css").status_code == 200
    assert requests.get(console + "/").status_code == 404
    assert requests.get(console + "/api/v2/summary.json").status_code == 404
    assert requests.get(console + "/metrics").status_code == 404
    s = requests.Session()
    s.headers["Origin"] = console
    r = s.post(console + "/admin/login", data={"name": "nora", "password": PASSWORD},
               allow_redirects=False)
    assert r.status_code == 303, r.text
    assert "Overview" in s.get(console + "/admin/").text


def test_console_pages_are_accessible(start_daemon, tmp_path):
    """axe-core finds no violation on any console page, light and dark: the login page, the
    overview, incidents (list, new with a template and the backfill form, one incident with
    its timeline, edit forms and post-mortem), maintenance, coverage, the audit log,
    components, monitors (list and one), subscribers, deliveries, API keys and users."""
    from browser import assert_accessible, chromium
    d = start_daemon(CONFIG + """\
monitors:
  - id: m
    kind: tcp
    address: 127.0.0.1:9
    interval: 1h
    components: [rest]
incident_templates:
  - id: api-errors
    name: Elevated API errors
    components: {rest: partial_outage}
""")
    add_user(d, "pia", role="admin")
    b = chromium(1280, 1400)
    try:
        assert_accessible(b, d.url("/admin/login"))
        log_in(b, d, "pia")
        wait_text(b, "Overview", "h1")
        b.get(d.url("/admin/incidents/new"))
        b.find_element(By.ID, "name").send_keys("Checked by axe")
        b.find_element(By.CSS_SELECTOR, "button[value=publish]").click()
        wait_text(b, "Timeline")
        incident = b.current_url
        s, csrf = None, None
        pages = ["/admin/", "/admin/incidents", "/admin/incidents/new",
                 "/admin/incidents/new?template=api-errors", incident.replace(d.base, ""),
                 "/admin/maintenance", "/admin/coverage", "/admin/audit", "/admin/components",
                 "/admin/monitors", "/admin/monitors/m", "/admin/subscribers",
                 "/admin/deliveries", "/admin/keys", "/admin/users"]
        for path in pages:
            assert_accessible(b, d.url(path))
        # The folded parts too: the backfill form and an update's edit form, opened.
        b.get(d.url("/admin/incidents/new"))
        b.execute_script("document.querySelectorAll('details').forEach(e => e.open = true)")
        from browser import axe_violations, describe
        found = axe_violations(b)
        assert not found, describe(found)
    finally:
        b.quit()


def test_notify_box_counts_who_will_be_told(start_daemon, sink):
    d = start_daemon(CONFIG)
    for path, comps in (("/all", None), ("/dash", ["dash"])):
        sub = {"endpoint": sink.url(path)}
        if comps:
            sub["components"] = comps
        status, _, body = d.raw_request("POST", "/api/v2/subscribers",
                                        headers={"Content-Type": "application/json"},
                                        body=json.dumps({"subscriber": sub}))
        assert status == 201, body
    add_user(d, "quinn")
    s, csrf = console_session(d, "quinn")
    page = s.get(d.url("/admin/incidents/new")).text
    assert "reaches 2 confirmed subscribers" in page, re.findall(r'id="reach">[^<]*', page)
    # Preview with REST chosen: the subscriber of the Dashboard alone is not told.
    page = s.post(d.url("/admin/incidents"), data={
        "csrf": csrf, "name": "x", "status": "investigating", "c.rest": "major_outage",
        "action": "preview"}).text
    assert "reaches 1 confirmed subscriber of 2" in page
