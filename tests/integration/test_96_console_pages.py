"""The console's pages beyond incidents (issue 13): components (a status set by hand shows in
/api/v2/components.json), monitors (pause: shows "paused", is not run, does not count as down,
outlives a reload and a restart; check now: the result with phase timings and each
condition), subscribers (counts, search, removal), deliveries (a dead one retried and
delivered), API keys (admins only; a key is shown once, works on the write API, is named in
the audit log, and stops working when revoked) and users (admins only; add, new password,
remove; nobody removes themselves). Most through requests with the session's CSRF token; one
flow in headless Chromium with screenshots in $TOCSIN_SCREENSHOTS.
"""

import json
import re
import signal
import sqlite3
import time
from pathlib import Path

import pytest
import requests

from conftest import run_cli
from test_70_monitors import HttpTarget, http_monitor
from test_90_notify import WebhookSink
from test_95_console import PASSWORD, add_user, browser, console_session, shot, wait_text  # noqa: F401

from selenium.webdriver.common.by import By  # noqa: E402  (test_95 skips without selenium)

CONFIG = """\
page:
  id: acme
  name: Acme API
  time_zone: Etc/UTC
components:
  - id: rest
    name: REST API
  - id: dash
    name: Dashboard
subscribers:
  allow_private_webhooks: true
"""


@pytest.fixture
def target():
    t = HttpTarget()
    yield t
    t.close()


@pytest.fixture
def sink():
    s = WebhookSink()
    yield s
    s.close()


def statuses(d):
    doc = json.loads(d.raw_request("GET", "/api/v2/components.json")[2])
    return {c["id"]: c["status"] for c in doc["components"]}


def audit(s, d):
    return s.get(d.url("/admin/audit")).text


def monitor_config(target, extra=""):
    return CONFIG + "monitors:\n" + http_monitor(
        "rest-health", target, "/health", ["rest"], conditions=["[STATUS] == 200"],
        failure_threshold=1, success_threshold=1) + extra


# ---- roles -------------------------------------------------------------------------------

def test_editor_cannot_manage_keys_or_users(start_daemon):
    d = start_daemon(CONFIG)
    add_user(d, "ed")
    s, csrf = console_session(d, "ed")
    for path in ("/admin/keys", "/admin/users"):
        r = s.get(d.url(path), allow_redirects=False)
        assert r.status_code == 403 and "Only admins" in r.text, path
    # The navigation still lists the pages; the refusal is the server's.
    r = s.post(d.url("/admin/keys"), data={"csrf": csrf, "name": "sneaky"},
               allow_redirects=False)
    assert r.status_code == 403 and "tc_" not in r.text
    r = s.post(d.url("/admin/users"), data={"csrf": csrf, "name": "mallory", "role": "admin",
                                            "password": "long enough password"},
               allow_redirects=False)
    assert r.status_code == 403
    listed = run_cli("apikey", "-c", d.config_path, "--data", d.data_dir, "list")
    assert listed.returncode == 0 and "sneaky" not in listed.stdout
    users = run_cli("user", "-c", d.config_path, "--data", d.data_dir, "list").stdout
    assert "mallory" not in users


# ---- API keys ----------------------------------------------------------------------------

def test_admin_key_shown_once_works_is_audited_and_revoked(start_daemon):
    d = start_daemon(CONFIG)
    add_user(d, "ada", role="admin")
    s, csrf = console_session(d, "ada")
    # A name that is not UTF-8 is refused with words, and nothing is created.
    r = s.post(d.url("/admin/keys"), data=b"csrf=" + csrf.encode() + b"&name=%ff",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and "not valid UTF-8" in r.text
    r = s.post(d.url("/admin/keys"), data={"csrf": csrf, "name": "deploy bot – Überwachung"})
    assert r.status_code == 201, r.text
    key = re.search(r'id="new-key">(tc_[0-9a-f]+)<', r.text).group(1)
    assert "shown only this once" in r.text
    # Never again: not on the list, not in the log, not in the audit log.
    listing = s.get(d.url("/admin/keys")).text
    assert key not in listing and "deploy bot – Überwachung" in listing
    assert key not in d.stderr and key not in audit(s, d)
    assert key.encode() not in (Path(d.data_dir) / "tocsin.db").read_bytes()

    auth = {"Authorization": "OAuth " + key, "Content-Type": "application/json"}
    status, _, body = d.raw_request("PATCH", "/v1/pages/acme/components/dash", headers=auth,
                                    body=json.dumps({"component": {"status": "partial_outage"}}))
    assert status == 200, body
    status, _, body = d.raw_request(
        "POST", "/v1/pages/acme/incidents", headers=auth,
        body=json.dumps({"incident": {"name": "From the API", "status": "investigating"}}))
    assert status == 201, body
    log = audit(s, d)
    assert "key:deploy bot – Überwachung" in log
    assert "component.set" in log and "incident.create" in log and "From the API" in log
    assert "user:ada" in log and "key.create" in log

    key_id = re.search(r'action="/admin/keys/([0-9a-f]+)/revoke"', listing).group(1)
    r = s.post(d.url("/admin/keys/%s/revoke" % key_id), data={"csrf": csrf},
               allow_redirects=False)
    assert r.status_code == 303
    assert "revoked" in s.get(d.url("/admin/keys")).text
    # The audit log names the revoked key as people know it, not only by its id.
    entry = re.search(r"<tr>(?:(?!</tr>).)*key\.revoke(?:(?!</tr>).)*</tr>", audit(s, d), re.S)
    assert entry and "deploy bot – Überwachung" in entry.group(0), entry
    status, _, body = d.raw_request("GET", "/v1/pages/acme/incidents", headers=auth)
    assert status == 401 and b"revoked" in body


# ---- users -------------------------------------------------------------------------------

def test_admin_adds_resets_and_removes_users(start_daemon):
    d = start_daemon(CONFIG)
    add_user(d, "root", role="admin")
    s, csrf = console_session(d, "root")
    # Bad forms come back with what was typed and words at the fields.
    r = s.post(d.url("/admin/users"), data={"csrf": csrf, "name": "bad name!", "role": "editor",
                                            "password": "short"})
    assert r.status_code == 422
    assert "1 to 64 letters" in r.text and "8 to 1,024 characters" in r.text
    assert 'value="bad name!"' in r.text
    r = s.post(d.url("/admin/users"), data={"csrf": csrf, "name": "root", "role": "editor",
                                            "password": "long enough password"})
    assert r.status_code == 422 and "has that name already" in r.text

    r = s.post(d.url("/admin/users"), data={"csrf": csrf, "name": "nora", "role": "editor",
                                            "password": "first password here"},
               allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/users?done=added"
    nora, _ = console_session(d, "nora", "first password here")
    assert "nora (editor)" in nora.get(d.url("/admin/")).text
    # A new password ends nora's session; the new one works.
    r = s.post(d.url("/admin/users/nora/password"),
               data={"csrf": csrf, "password": "second password here"}, allow_redirects=False)
    assert r.status_code == 303
    assert nora.get(d.url("/admin/"), allow_redirects=False).status_code == 303
    nora, _ = console_session(d, "nora", "second password here")
    # An admin cannot remove themselves, and says why.
    r = s.post(d.url("/admin/users/root/remove"), data={"csrf": csrf})
    assert r.status_code == 422 and "cannot remove yourself" in r.text
    r = s.post(d.url("/admin/users/nora/remove"), data={"csrf": csrf}, allow_redirects=False)
    assert r.status_code == 303
    assert nora.get(d.url("/admin/"), allow_redirects=False).status_code == 303
    users = s.get(d.url("/admin/users")).text
    assert "nora" not in users.split("<h2>New user")[0]
    log = audit(s, d)
    assert "user.add" in log and "user.password" in log and "user.remove" in log
    assert "first password" not in log and "second password" not in d.stderr


# ---- components --------------------------------------------------------------------------

def test_manual_component_status_reaches_the_api(start_daemon):
    d = start_daemon(CONFIG)
    add_user(d, "cora")
    s, csrf = console_session(d, "cora")
    page = s.get(d.url("/admin/components")).text
    assert "REST API" in page and "Nothing: operational" in page
    r = s.post(d.url("/admin/components/rest"), data={"csrf": csrf, "status": "major_outage"},
               allow_redirects=False)
    assert r.status_code == 303
    d.wait_for(lambda: statuses(d)["rest"] == "major_outage", what="rest in the API")
    assert "Set by hand: Major outage" in s.get(d.url("/admin/components")).text
    # An impossible status, a group-less unknown component: refused, nothing changed.
    assert s.post(d.url("/admin/components/rest"),
                  data={"csrf": csrf, "status": "on_fire"}).status_code == 422
    assert s.post(d.url("/admin/components/nope"),
                  data={"csrf": csrf, "status": "operational"}).status_code == 404
    r = s.post(d.url("/admin/components/rest"), data={"csrf": csrf, "status": ""},
               allow_redirects=False)
    assert r.status_code == 303
    d.wait_for(lambda: statuses(d)["rest"] == "operational", what="rest released")
    log = audit(s, d)
    assert "component.set" in log and "component.release" in log


# ---- monitors ----------------------------------------------------------------------------

def test_pause_stops_runs_and_down_status_and_survives_reload_and_restart(start_daemon,
                                                                           target):
    target.set("/health", status=500)
    d = start_daemon(monitor_config(target))
    add_user(d, "mo")
    s, csrf = console_session(d, "mo")
    d.wait_for(lambda: statuses(d)["rest"] != "operational", timeout=15, what="rest down")
    page = s.get(d.url("/admin/monitors")).text
    assert "rest-health" in page and "state down" in page
    assert re.search(r'class="reason">[^<]*STATUS[^<]*500', page), page  # the last failure

    r = s.post(d.url("/admin/monitors/rest-health/pause"), data={"csrf": csrf},
               allow_redirects=False)
    assert r.status_code == 303
    # Not down any more: a paused monitor feeds nothing.
    d.wait_for(lambda: statuses(d)["rest"] == "operational", what="rest back to operational")
    detail = s.get(d.url("/admin/monitors/rest-health")).text
    assert "state paused" in detail and "Paused" in detail and "user:mo" in detail
    time.sleep(0.3)  # a run in flight at the pause may still land
    before = target.served("/health")
    time.sleep(2.5)
    assert target.served("/health") == before, "a paused monitor ran"

    # A reload keeps the pause ...
    d.signal(signal.SIGHUP)
    d.wait_for(lambda: "configuration reloaded" in d.stderr, what="the reload")
    time.sleep(2)
    assert target.served("/health") == before
    # ... and so does a restart.
    d.stop()
    d.start()
    s, csrf = console_session(d, "mo")
    time.sleep(2.5)
    assert target.served("/health") == before
    assert "state paused" in s.get(d.url("/admin/monitors/rest-health")).text
    assert statuses(d)["rest"] == "operational"

    # Resumed: it runs again at once, and counts.
    r = s.post(d.url("/admin/monitors/rest-health/resume"), data={"csrf": csrf},
               allow_redirects=False)
    assert r.status_code == 303
    d.wait_for(lambda: target.served("/health") > before, what="a run after resume")
    d.wait_for(lambda: statuses(d)["rest"] != "operational", what="rest down again")
    log = audit(s, d)
    assert "monitor.pause" in log and "monitor.resume" in log


def test_check_now_shows_the_result(start_daemon, target):
    target.set("/health", status=200, body='{"status":"UP"}')
    d = start_daemon(monitor_config(target).replace("interval: 1s", "interval: 1h"))
    add_user(d, "chuck")
    s, csrf = console_session(d, "chuck")
    d.wait_for(lambda: target.served("/health") >= 1, what="the first run")
    before = target.served("/health")
    r = s.post(d.url("/admin/monitors/rest-health/check"), data={"csrf": csrf})
    assert r.status_code == 200, r.text
    assert target.served("/health") == before + 1
    assert "Verdict: <span class=\"state up\">up</span>" in r.text
    assert "Timings" in r.text and "first byte" in r.text and "HTTP status" in r.text
    assert re.search(r'class="pass">pass</strong> up\s+\[STATUS\] \(200\) == 200', r.text), r.text
    assert "counts as the monitor" in r.text
    # A failing target: the failed condition and its actual value are shown.
    target.set("/health", status=503, body="<b>busy</b> \u00e9")
    r = s.post(d.url("/admin/monitors/rest-health/check"), data={"csrf": csrf})
    assert r.status_code == 200
    assert 'class="fail">fail</strong>' in r.text and "503" in r.text
    assert "&lt;b&gt;busy&lt;/b&gt;" in r.text and "<b>busy</b>" not in r.text
    # Paused: the check runs and is shown, not recorded.
    s.post(d.url("/admin/monitors/rest-health/pause"), data={"csrf": csrf})
    r = s.post(d.url("/admin/monitors/rest-health/check"), data={"csrf": csrf})
    assert r.status_code == 200 and "shown, not recorded" in r.text
    assert s.post(d.url("/admin/monitors/nope/check"), data={"csrf": csrf}).status_code == 404


def test_a_restart_keeps_the_last_state_and_says_when_it_was_checked(start_daemon, target):
    """After a restart a monitor's state is read back from its stored results; until it runs
    again the console says it was checked before the server started, not "never"."""
    target.set("/health", status=200, body="ok")
    # An hourly monitor whose first run after a start comes about 30 minutes in.
    config = CONFIG + "monitors:\n" + http_monitor(
        "rest-hourly", target, "/health", ["rest"], conditions=["[STATUS] == 200"],
        failure_threshold=1, success_threshold=1, interval="1h")
    d = start_daemon(config)
    add_user(d, "chuck")
    s, csrf = console_session(d, "chuck")
    assert "no result yet" in s.get(d.url("/admin/monitors")).text
    r = s.post(d.url("/admin/monitors/rest-hourly/check"), data={"csrf": csrf})
    assert r.status_code == 200 and "Verdict: <span class=\"state up\">up</span>" in r.text
    d.stop()
    d.start()
    s, csrf = console_session(d, "chuck")
    row = re.search(r"<tr><th scope=\"row\"><a href=\"/admin/monitors/rest-hourly\">.*?</tr>",
                    s.get(d.url("/admin/monitors")).text, re.S).group(0)
    assert 'class="state up"' in row, row
    assert "before the server started" in row and "never" not in row.split("</td>")[3], row
    detail = s.get(d.url("/admin/monitors/rest-hourly")).text
    assert "Last check</th><td>before the server started" in detail


# ---- subscribers and deliveries ----------------------------------------------------------

def test_subscribers_counted_searched_and_removed(start_daemon, sink):
    d = start_daemon(CONFIG)
    add_user(d, "sue")
    for path, comps in (("/one", None), ("/two", ["rest"])):
        sub = {"endpoint": sink.url(path)}
        if comps:
            sub["components"] = comps
        status, _, body = d.raw_request("POST", "/api/v2/subscribers",
                                        headers={"Content-Type": "application/json"},
                                        body=json.dumps({"subscriber": sub}))
        assert status == 201, body
    s, csrf = console_session(d, "sue")
    page = s.get(d.url("/admin/subscribers")).text
    assert "2 subscribers, 2 confirmed" in page and "1 follow the whole page" in page
    counts = dict(re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td>(\d+)</td></tr>", page))
    assert counts == {"REST API": "2", "Dashboard": "1"}
    found = s.get(d.url("/admin/subscribers"), params={"q": "/TWO"}).text
    assert sink.url("/two") in found and sink.url("/one") not in found
    sid = re.search(r'action="/admin/subscribers/([a-z0-9]+)/remove"', found).group(1)
    r = s.post(d.url("/admin/subscribers/%s/remove" % sid), data={"csrf": csrf},
               allow_redirects=False)
    assert r.status_code == 303
    page = s.get(d.url("/admin/subscribers")).text
    assert sink.url("/two") not in page and "1 subscriber, 1 confirmed" in page
    assert s.post(d.url("/admin/subscribers/%s/remove" % sid),
                  data={"csrf": csrf}).status_code == 404
    assert "subscriber.remove" in audit(s, d)


def test_dead_delivery_listed_and_retried(start_daemon, sink):
    d = start_daemon(CONFIG + "channels:\n  - {id: hook, kind: webhook, url: '%s'}\n"
                     % sink.url("/hook"))
    add_user(d, "del")
    # A delivery that gave up, as the outbox keeps it (the real path takes ~40 s of retries;
    # test_90_notify covers it). SQLite in WAL mode lets this write while the daemon runs.
    now = int(time.time() * 1000)
    db = sqlite3.connect(str(Path(d.data_dir) / "tocsin.db"))
    db.execute("INSERT INTO outbox (id, target, kind, payload, created_at, next_at, expires_at,"
               " attempts, state, last_error) VALUES ('evt-dead-1', 'hook', 'webhook',"
               " '{\"hello\":1}', ?, ?, ?, 4, 'dead', 'connection refused <b>')",
               (now - 60000, now - 1000, now - 1000))
    db.commit()
    db.close()
    s, csrf = console_session(d, "del")
    page = s.get(d.url("/admin/deliveries")).text
    assert "evt-dead-1" in page and "connection refused &lt;b&gt;" in page
    assert "1 gave up" in page
    r = s.post(d.url("/admin/deliveries/evt-dead-1/retry"), data={"csrf": csrf},
               allow_redirects=False)
    assert r.status_code == 303
    d.wait_for(lambda: sink.at("/hook"), timeout=10, what="the retried delivery")
    assert sink.at("/hook")[0]["headers"]["x-tocsin-event-id"] == "evt-dead-1"
    page = s.get(d.url("/admin/deliveries")).text
    assert "None: every notification" in page
    assert s.post(d.url("/admin/deliveries/evt-dead-1/retry"),
                  data={"csrf": csrf}).status_code == 404
    assert "delivery.retry" in audit(s, d)


# ---- in a browser ------------------------------------------------------------------------

def test_browser_check_now_and_a_new_key(start_daemon, browser, target, tmp_path):  # noqa: F811
    target.set("/health")
    d = start_daemon(monitor_config(target))
    add_user(d, "bea", role="admin")
    browser.get(d.url("/admin/monitors"))
    browser.find_element(By.ID, "name").send_keys("bea")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_text(browser, "Monitors", "h1")
    d.wait_for(lambda: target.served("/health") >= 1, what="a first run")
    browser.get(d.url("/admin/monitors"))
    shot(browser, tmp_path, "monitors")
    browser.find_element(By.LINK_TEXT, "rest-health").click()
    wait_text(browser, "Runs every")
    browser.find_element(By.XPATH, "//button[text()='Check now']").click()
    wait_text(browser, "Check now: result", "section.check")
    result = browser.find_element(By.CSS_SELECTOR, "section.check").text
    assert "Verdict: up" in result and "total" in result and "[STATUS] (200) == 200" in result
    shot(browser, tmp_path, "monitor-check-now")
    browser.find_element(By.XPATH, "//button[text()='Pause']").click()
    wait_text(browser, "Paused.")
    assert "paused" in browser.find_element(By.TAG_NAME, "h1").text

    browser.find_element(By.LINK_TEXT, "Components").click()
    wait_text(browser, "Components", "h1")
    shot(browser, tmp_path, "components")
    browser.find_element(By.LINK_TEXT, "API keys").click()
    browser.find_element(By.ID, "name").send_keys("ci deploys")
    browser.find_element(By.XPATH, "//button[text()='Create key']").click()
    wait_text(browser, "shown only this once")
    key = browser.find_element(By.ID, "new-key").text
    assert key.startswith("tc_")
    shot(browser, tmp_path, "key-created")
    browser.get(d.url("/admin/keys"))
    assert key not in browser.page_source


@pytest.mark.parametrize("minutes", ["9888888888888888888888888888880", "0", "10081", "90x",
                                     "", "-5", "\u0663\u0660"])
def test_a_weekly_window_of_impossible_length_is_refused_in_words(start_daemon, minutes):
    """The length of a weekly window is a number of minutes from 1 to 10080; anything else
    (found by fuzz_console: a huge number overflowed when turned into milliseconds) is
    refused with the form and a sentence, and nothing is scheduled."""
    d = start_daemon(CONFIG)
    add_user(d, "ada", role="admin")
    s, csrf = console_session(d, "ada")
    r = s.post(d.url("/admin/maintenance/recurring"),
               data={"csrf": csrf, "name": "Patch", "day": ["tue", "thu"], "at": "02:00",
                     "minutes": minutes, "m.dash": "1"})
    assert r.status_code == 422, r.text
    assert "A window lasts from 1 minute to 7 days (10080 minutes)." in r.text
    assert "Patch" not in s.get(d.url("/admin/maintenance")).text  # nothing scheduled


def test_browser_shows_a_failure_being_confirmed(start_daemon, browser, tmp_path):  # noqa: F811
    """confirm: true holds a failure until a fresh run agrees; while that run is out, the
    console's monitor pages say so. The fresh run here takes 3 s to pass, so a person sees
    "confirming from here", then no outage (the failure was not confirmed)."""
    from test_74_detection import ScriptedTarget
    slow = ScriptedTarget()
    try:
        # Run 1 fails at once; run 2, the confirmation, passes after 3 s.
        slow.script("/health", lambda n: (503 if n == 1 else 200, 3.0 if n == 2 else 0.0,
                                          False))
        d = start_daemon(CONFIG + "monitors:\n" + http_monitor(
            "rest-health", slow, "/health", ["rest"], conditions=["[STATUS] == 200"],
            interval="4s", timeout="4s", failure_threshold=1, success_threshold=1,
            confirm=True))
        add_user(d, "bea", role="admin")
        browser.get(d.url("/admin/monitors"))
        browser.find_element(By.ID, "name").send_keys("bea")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait_text(browser, "Monitors", "h1")
        d.wait_for(lambda: "confirming from here" in d.stderr, timeout=20,
                   what="the failure put to a fresh run")
        browser.get(d.url("/admin/monitors"))
        note = browser.find_element(By.CSS_SELECTOR, "small.confirming").text
        assert note == "confirming from here", note
        shot(browser, tmp_path, "monitor-confirming")
        d.wait_for(lambda: "monitor rest-health: down not confirmed" in d.stderr, timeout=15,
                   what="the fresh run's pass")
        browser.get(d.url("/admin/monitors"))
        assert not browser.find_elements(By.CSS_SELECTOR, "small.confirming")
        assert statuses(d)["rest"] == "operational"
    finally:
        slow.close()
