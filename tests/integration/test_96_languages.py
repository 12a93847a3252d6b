"""page.language (issue 18): the public pages, feeds and subscriber e-mails in German and
Japanese, with their dates as each language writes them, while the Statuspage API stays
English; and a language tocsin does not speak is a config error naming those it does.
The seed's history (examples/history.json) gives known dates: "Cartesia is down" ran from
2024-10-23T17:28Z to 18:08Z.
"""

import json
import re

import pytest

from browser import axe_violations, describe, set_phone, shot
from conftest import Daemon, dedent, run_cli
from test_80_write_api import make_key
from test_90_notify import SmtpSink, parts
from test_96_accessibility import history_without_statuses_of, tap

CONFIG = """\
page:
  id: lang
  name: Acme
  language: %(lang)s
  time_zone: %(zone)s
components:
  - {id: rest, name: REST API}
  - {id: web, name: Website}
channels:
  - {id: mail, kind: email, url: 'smtp://127.0.0.1:%(smtp)d', from: status@example.test,
     to: [ops@example.test]}
subscribers:
  email_channel: mail
  rate_limit: 100
"""

# What each language must say, page by page: (path or "incident"/"open", strings).
EXPECTED = {
    "de": {
        "zone": "Europe/Berlin",
        "/": ['<html lang="de">', "Aktuelle Störungen", "Vergangene Störungen",
              "Schwerer Ausfall", "Betriebsbereit", "Updates abonnieren", "E-Mail-Adresse",
              "Alle Zeiten in Europe/Berlin. Zuletzt aktualisiert: ",
              "Diese Störung betrifft: REST API (schwerer Ausfall).",
              "Verfügbarkeit von REST API in den letzten 90 Tagen", "vor 90 Tagen"],
        "/history/2024-10": ["<h1>Frühere Störungen</h1>", ">Oktober 2024</a></h2>",
                             "23. Okt. 2024 \u00b7 1 Störung",
                             "9. Okt. 2024 \u00b7 2 Störungen",
                             "Behoben am 23. Okt. um 20:08 CEST"],
        "incident": ["<h2>Behoben</h2>", "Veröffentlicht am 23. Okt. 2024, 20:08 CEST",
                     "&larr; Aktueller Status"],
        "/uptime": ["<h1>Verfügbarkeit</h1>", ">Monat</th>", ">Ausfallzeit</th>"],
        "subject": "[Acme] Abonnement bestätigen",
        "mail": "Jemand (hoffentlich Sie) möchte Status-Updates von Acme an diese Adresse",
        "banner": "Schwerer Systemausfall",
        "no_data": "Keine Daten",
    },
    "ja": {
        "zone": "Asia/Tokyo",
        "/": ['<html lang="ja">', "発生中の障害", "過去の障害", "重大な障害", "正常稼働",
              "更新情報を購読", "時刻は Asia/Tokyo で表示しています。",
              "この障害の影響: REST API（重大な障害）。", "90 日前"],
        "/history/2024-10": ["<h1>過去の障害</h1>", ">2024年10月</a></h2>",
                             "2024年10月24日 \u00b7 障害 1 件",
                             "10月24日 03:08 JST に解決"],
        "incident": ["<h2>解決済み</h2>", "2024年10月24日 03:08 JST 掲載",
                     "&larr; 現在のステータス"],
        "/uptime": ["<h1>稼働率</h1>", ">停止時間</th>"],
        "subject": "[Acme] 購読の確認",
        "mail": "このアドレスで Acme のステータス更新情報を受け取るお申し込みがありました",
        "banner": "システムの重大な障害",
        "no_data": "データなし",
    },
}


@pytest.fixture(scope="module")
def smtp():
    s = SmtpSink()
    yield s
    s.close()


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def page(request, tmp_path_factory, smtp):
    """A page in one language with the seed's history and one open incident."""
    lang = request.param
    d = Daemon(tmp_path_factory.mktemp("lang-" + lang), dedent(CONFIG % {
        "lang": lang, "zone": EXPECTED[lang]["zone"], "smtp": smtp.port}))
    p = run_cli("import", "-c", d.config_path, "--data", d.data_dir, "statuspage",
                history_without_statuses_of(d.dir, "rest"))
    assert p.returncode == 0, p.stderr
    d.start()
    try:
        key = make_key(d)
        status, _, body = d.raw_request(
            "POST", "/v1/pages/lang/incidents",
            body=json.dumps({"incident": {"name": "Elevated errors", "status": "investigating",
                                          "body": "Looking.",
                                          "components": {"rest": "major_outage"}}}),
            headers={"Authorization": "OAuth " + key, "Content-Type": "application/json"})
        assert status == 201, body
        d.wait_for(lambda: b"Elevated errors" in d.raw_request("GET", "/")[2],
                   what="the incident on /")
        yield lang, d
    finally:
        d.stop()


def text_of(d, path):
    status, _, body = d.raw_request("GET", path)
    assert status == 200, path
    return body.decode()


def incident_id(d, name):
    doc = json.loads(text_of(d, "/api/v2/incidents.json"))
    return next(i["id"] for i in doc["incidents"] if i["name"] == name)


def test_pages_in_the_language(page):
    lang, d = page
    want = EXPECTED[lang]
    for path in ("/", "/history/2024-10", "/uptime"):
        html = text_of(d, path)
        missing = [s for s in want[path] if s not in html]
        assert not missing, (lang, path, missing)
        assert '<html lang="%s">' % lang in html
    html = text_of(d, "/incidents/" + incident_id(d, "Cartesia is down, please use another "
                                                     "Voice Provider in the meanwhile"))
    missing = [s for s in want["incident"] if s not in html]
    assert not missing, (lang, missing)
    assert want["banner"] in text_of(d, "/")
    # The feeds speak the language too, in Statuspage's shape.
    atom = text_of(d, "/history.atom")
    assert '<feed xml:lang="%s"' % lang in atom


def test_api_stays_english(page):
    lang, d = page
    summary = json.loads(text_of(d, "/api/v2/summary.json"))
    assert summary["status"]["description"] == "Major System Outage"
    statuses = {c["id"]: c["status"] for c in summary["components"]}
    assert statuses["rest"] == "major_outage"
    assert summary["incidents"][0]["status"] == "investigating"


def test_subscriber_mail_in_the_language(page, smtp):
    lang, d = page
    address = "reader-%s@example.test" % lang
    status, _, body = d.raw_request(
        "POST", "/api/v2/subscribers", body="email=" + address.replace("@", "%40"),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 201, body
    d.wait_for(lambda: smtp.to(address), timeout=10, what="the confirmation")
    msg = smtp.to(address)[0]["msg"]
    assert msg["Subject"] == EXPECTED[lang]["subject"]
    text = parts(msg)["text/plain"]
    assert EXPECTED[lang]["mail"] in text, text
    assert '<html lang="%s">' % lang in parts(msg)["text/html"]


def test_day_detail_in_the_language(page, browser, tmp_path):
    """page.js writes the day's detail in the page's language, and the page passes axe."""
    lang, d = page
    from selenium.webdriver.common.by import By
    set_phone(browser)
    try:
        browser.get(d.url("/"))
        bars = browser.find_element(By.CSS_SELECTOR, "svg.bars")
        tap(browser, bars, 0.5 / 90)
        pop = browser.find_element(By.ID, "tc-day-pop")
        assert pop.is_displayed() and pop.text.split("\n")[1] == EXPECTED[lang]["no_data"]
        tap(browser, bars, 89.5 / 90)
        assert re.search(r"\d", pop.text.split("\n")[1])  # today's uptime figure
        shot(browser, tmp_path, "day-detail-" + lang)
        found = axe_violations(browser)
        assert not found, describe(found)
    finally:
        set_phone(browser, None)


def test_unknown_language_is_refused(tmp_path):
    f = tmp_path / "tocsin.yaml"
    f.write_text("page:\n  name: Acme\n  language: nl\n")
    p = run_cli("check-config", "-c", f)
    assert p.returncode != 0
    assert ('%s:3:13: page: language "nl" is not one tocsin speaks (use one of en, de, fr, '
            'es, pt, ja)' % f) in p.stderr, p.stderr
