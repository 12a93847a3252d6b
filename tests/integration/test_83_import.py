"""Black-box tests of `tocsin import statuspage` (issue 5): the demo history
examples/history.json imported into a running daemon's store (picked up on SIGHUP),
idempotently, and served on /history as the seed (../shared/seed/status-history.txt) shows
it; updates to imported incidents; malformed files refused with FILE:LINE:COL."""

import html
import json
import re
import signal
import time
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from test_80_write_api import (api, get_json, get_text, make_key, page_text, public_ids,
                               wait_until)

EXAMPLE_CONFIG = REPO / "examples" / "tocsin.yaml"
HISTORY = REPO / "examples" / "history.json"
SEED = Path("/work/shared/seed/status-history.txt")
if not SEED.exists():
    SEED = REPO.parent / "shared" / "seed" / "status-history.txt"

MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
          "December")


def example_config():
    """examples/tocsin.yaml with the page id the write-API helpers use, without its demo
    monitors (they watch 127.0.0.1:8080, not the test's daemon)."""
    text = EXAMPLE_CONFIG.read_text().replace("  id: example\n", "  id: testpage\n", 1)
    return text.split("\nmonitors:\n", 1)[0] + "\n"


def import_(d, path, *more):
    return run_cli("import", "-c", d.config_path, "--data", d.data_dir, *more, "statuspage",
                   path)


def incident_rows(d):
    """The incident table, read-only (the daemon may have it open)."""
    db = sqlite3.connect("file:%s?mode=ro" % (d.data_dir / "tocsin.db"), uri=True)
    try:
        return db.execute("SELECT * FROM incident ORDER BY id").fetchall()
    finally:
        db.close()


def seed_skeleton():
    """The structure of the seed history: months, days with their counts, titles, impact
    labels, "Resolved ..." lines, "N previous updates", and the first line of each latest
    update."""
    lines = [ln.strip() for ln in SEED.read_text().splitlines()]
    nonblank = [ln for ln in lines if ln]
    out, firsts = [], []
    for k, ln in enumerate(nonblank):
        if re.fullmatch(r"(%s) \d{4}" % MONTHS, ln):
            out.append(("month", ln))
        elif re.fullmatch(r"[A-Z][a-z]{2} \d\d, \d{4}", ln):
            out.append(("day", ln, nonblank[k + 1]))
        elif ln in ("Degraded", "Downtime", "Maintenance"):
            out.append(("title", nonblank[k - 1]))
            out.append(("impact", ln))
        elif ln.startswith("Resolved "):
            out.append(("resolved", ln))
            firsts.append(nonblank[k + 1])
        elif re.fullmatch(r"\d+ previous updates?", ln):
            out.append(("previous", ln))
    return out, firsts


HISTORY_ITEMS = re.compile(
    r'<h2><a href="/history/\d{4}-\d\d">(?P<month>[^<]*)</a></h2>'
    r'|<h3 class="day">(?P<day>[^<]*)</h3>'
    r'|class="incident-title"><a href="/incidents/[^"]*">(?P<title>[^<]*)</a>'
    r'|<span class="badge impact-\w+">(?P<impact>[^<]*)</span>'
    r'|<span>(?P<resolved>Resolved [^<]*)</span>'
    r'|<summary>(?P<previous>\d+ previous updates?)</summary>')


def page_skeleton(page):
    out = []
    for m in HISTORY_ITEMS.finditer(page):
        kind = m.lastgroup
        text = html.unescape(m.group(kind))
        if kind == "day":
            day, count = text.split(" \u00b7 ")
            out.append(("day", day, count))
        else:
            out.append((kind, text))
    return out


def plain_text(markup):
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return re.sub(r"\s+", " ", text)


def test_import_idempotent_and_served_after_sighup(start_daemon, tmp_path):
    d = start_daemon(example_config())
    key = make_key(d)
    assert public_ids(d) == []
    assert "No incidents reported" in get_text(d, "/history")

    # Import while the daemon runs.
    p = import_(d, HISTORY)
    assert p.returncode == 0, p.stderr
    assert "11 added, 0 updated, 0 unchanged, 0 skipped" in p.stdout, p.stdout
    rows = incident_rows(d)
    assert len(rows) == 11
    # Again: nothing changes.
    p = import_(d, HISTORY)
    assert p.returncode == 0, p.stderr
    assert "0 added, 0 updated, 11 unchanged, 0 skipped" in p.stdout, p.stdout
    assert incident_rows(d) == rows

    # The running daemon serves it after SIGHUP.
    d.signal(signal.SIGHUP)
    wait_until(d, lambda: len(public_ids(d)) == 11, "11 incidents after SIGHUP", timeout=10)
    source = {i["id"]: i for i in json.loads(HISTORY.read_text())["incidents"]}
    served = {i["id"]: i for i in get_json(d, "/api/v2/incidents.json")["incidents"]}
    assert set(served) == set(source)
    for inc_id, src in source.items():
        got = served[inc_id]
        assert got["name"] == src["name"]
        assert got["impact"] == src["impact"]
        assert got["status"] == src["status"]
        assert len(got["incident_updates"]) == len(src["incident_updates"])
        for key_ in ("resolved_at", "created_at"):
            assert _same_instant(got[key_], src[key_]), (inc_id, key_, got[key_], src[key_])
        assert [u["body"] for u in got["incident_updates"]] == [
            u["body"] for u in src["incident_updates"]]
    # In the page zone (America/Los_Angeles).
    assert served["0000017wds9k"]["resolved_at"] == "2024-11-14T13:08:00.000-08:00"
    assert served["0000063hwv8c"]["resolved_at"] == "2024-10-23T11:08:00.000-07:00"
    assert public_ids(d, "/api/v2/incidents/unresolved.json") == []

    # /history as the seed shows it.
    hist = get_text(d, "/history")
    assert "<h1>Previous incidents</h1>" in hist
    want, firsts = seed_skeleton()
    got = page_skeleton(hist)
    assert got == want, "\n".join("%r  |  %r" % pair for pair in zip(got, want))
    for expected in (("day", "Nov 14, 2024", "1 incident"), ("day", "Oct 09, 2024", "2 incidents"),
                     ("resolved", "Resolved Nov 14 at 01:08pm PST"),
                     ("resolved", "Resolved Oct 23 at 11:08am PDT"),
                     ("previous", "3 previous updates"), ("month", "November 2024")):
        assert expected in got, expected
    text = plain_text(hist)
    for line in firsts:
        assert line.rstrip(".") in text, line
    # Older updates fold without JavaScript; month pages exist.
    assert "<details><summary>" in hist and "<script" not in hist
    october = get_text(d, "/history/2024-10")
    assert "October 2024" in october and "Cartesia is down" in october
    assert "ElevenLabs is degraded" not in october
    assert page_text(d, "/incidents/0000017wds9k")
    assert "ElevenLabs is degraded" in get_text(d, "/history.atom")

    # A changed incident is updated, the rest left alone.
    data = json.loads(HISTORY.read_text())
    data["incidents"][0]["name"] = "ElevenLabs was degraded"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    p = import_(d, changed)
    assert p.returncode == 0, p.stderr
    assert "0 added, 1 updated, 10 unchanged, 0 skipped" in p.stdout, p.stdout
    d.signal(signal.SIGHUP)
    wait_until(d, lambda: "ElevenLabs was degraded" in page_text(d, "/history"),
               "the renamed incident after SIGHUP", timeout=10)

    # Incidents written through the API after the import get their own feed ids.
    status, doc = api(d, "POST", "incidents", {"incident": {"name": "Fresh one"}}, key=key)
    assert status == 201, doc
    wait_until(d, lambda: "Fresh one" in page_text(d, "/history.atom"), "new incident in feed")
    ids = re.findall(r"<id>tag:[^,]+,2005:Incident/(\d+)</id>", get_text(d, "/history.atom"))
    assert len(ids) == 12 and len(set(ids)) == 12, ids


def _same_instant(a, b):
    if a is None or b is None:
        return a is b
    return (datetime.fromisoformat(a.replace("Z", "+00:00")) ==
            datetime.fromisoformat(b.replace("Z", "+00:00")))


def test_import_before_start_and_plain_list(start_daemon, tmp_path):
    """Imported before the daemon starts (as `make run` does); a plain JSON list of incident
    objects is accepted too."""
    data = json.loads(HISTORY.read_text())
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(data["incidents"][:3]))
    data_dir = tmp_path / "tocsin" / "data"
    data_dir.parent.mkdir()
    p = run_cli("import", "-c", EXAMPLE_CONFIG, "--data", data_dir, "statuspage", listed)
    assert p.returncode == 0, p.stderr
    assert "3 added, 0 updated, 0 unchanged, 0 skipped" in p.stdout, p.stdout
    d = start_daemon(example_config())
    assert d.data_dir == data_dir
    assert sorted(public_ids(d)) == sorted(i["id"] for i in data["incidents"][:3])
    assert "Resolved Nov 14 at 01:08pm PST" in get_text(d, "/history")


@pytest.mark.parametrize("content, line", [
    ('{"incidents": [\n  {"id": "x",,}\n]}\n', 2),
    ('{"incidents": [\n  {"id": "x"}\n', 3),
    ('', 1),
])
def test_malformed_import_exits_2_with_position(tmp_path, content, line):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    data_dir = tmp_path / "data"
    p = run_cli("import", "-c", EXAMPLE_CONFIG, "--data", data_dir, "statuspage", bad)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert re.search(r"^%s:%d:\d+: \S" % (re.escape(str(bad)), line), p.stderr, re.M), p.stderr
    assert "added" not in p.stdout


def test_import_wrong_shape_exits_2(tmp_path):
    bad = tmp_path / "shape.json"
    bad.write_text('{"page": {"id": "x"}, "components": []}\n')
    p = run_cli("import", "-c", EXAMPLE_CONFIG, "--data", tmp_path / "data", "statuspage", bad)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert re.search(r"^%s:1:1: " % re.escape(str(bad)), p.stderr, re.M), p.stderr


def imported_minutes(history, component, status):
    """Minutes @component spent in @status by the history's own record: each update's
    affected_components, oldest update first, a change lasting until the next one."""
    changes = []
    for inc in history["incidents"]:
        for up in inc["incident_updates"]:
            for a in up.get("affected_components") or []:
                if a["code"] == component:
                    changes.append((datetime.fromisoformat(up["display_at"].replace(
                        "Z", "+00:00")), a["new_status"]))
    changes.sort()
    total = 0.0
    for (at, st), (nxt, _) in zip(changes, changes[1:]):
        if st == status:
            total += (nxt - at).total_seconds() / 60
    return total


def uptime_of(d, component):
    doc = get_json(d, "/api/v2/uptime.json")
    return next(c for c in doc["components"] if c["id"] == component)


def test_import_brings_the_component_status_history(start_daemon, tmp_path):
    """The incidents' component changes go into the status logs: the bars and the uptime
    report show the imported outages (as the source page did), from the day of the first
    imported incident; importing again replaces them instead of adding a second copy."""
    history = json.loads(HISTORY.read_text())
    data_dir = tmp_path / "tocsin" / "data"
    data_dir.parent.mkdir()
    p = run_cli("import", "-c", EXAMPLE_CONFIG, "--data", data_dir, "--shift-to-now",
                "statuspage", HISTORY)
    assert p.returncode == 0, p.stderr
    assert "22 status changes of 5 components" in p.stdout, p.stdout
    d = start_daemon(example_config())

    rest = uptime_of(d, "rest")
    expected = imported_minutes(history, "rest", "major_outage")
    assert expected == 230  # the seed's four REST API outages
    major = sum(m["major_outage_minutes"] for m in rest["months"])
    degraded = sum(m["degraded_performance_minutes"] for m in rest["months"])
    assert major == pytest.approx(expected, abs=0.1)
    assert degraded == pytest.approx(
        imported_minutes(history, "rest", "degraded_performance"), abs=0.1)
    assert rest["uptime_percentage"] < 100
    # Observed from the day before the first incident on, not only since the daemon began.
    observed_days = sum(m["observed_minutes"] for m in rest["months"]) / 1440
    assert 50 < observed_days < 60, observed_days
    # A component the history never names has no imported past.
    dashboard = uptime_of(d, "dashboard")
    assert sum(m["observed_minutes"] for m in dashboard["months"]) < 1440

    # The bars: REST API's row lists outage days with major-outage seconds.
    page = get_text(d, "/")
    row = re.search(r'data-days="([^"]*)"', page).group(1)
    assert re.search(r"(?:^| )[\d-]+:[\d.]+,\d+,", row), row  # DAYS:U,MAJOR seconds,...

    # Importing again (the demo does at every `make run`) changes nothing.
    p = run_cli("import", "-c", d.config_path, "--data", d.data_dir, "--shift-to-now",
                "statuspage", HISTORY)
    assert p.returncode == 0, p.stderr
    d.signal(signal.SIGHUP)
    time.sleep(2)
    again = uptime_of(d, "rest")
    assert sum(m["major_outage_minutes"] for m in again["months"]) == pytest.approx(major)
    db = sqlite3.connect("file:%s?mode=ro" % (d.data_dir / "tocsin.db"), uri=True)
    try:
        n = db.execute("SELECT count(*) FROM component_status_log WHERE source IS NOT NULL"
                       ).fetchone()[0]
    finally:
        db.close()
    assert n == 22 + 5  # the changes and one baseline per component
