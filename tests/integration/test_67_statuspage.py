"""Black-box tests of the statuspage kind (vendor watch) and fallback advice: a local HTTP
server serves the Statuspage-format fixtures of tests/fakes/statuspage/ (operational, minor
with an incident, major outage, malformed, missing time_zone with group rows), and the test
switches between them. The vendor-fed component must follow on /api/v2/components.json, the
fallback advice and vendor link must appear on / while degraded and disappear when the
vendor recovers, and the auto-incident's title must be the advice.

Run with /usr/bin/python3 -m pytest tests/integration/test_67_statuspage.py.
"""
import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import dedent, run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fakes" / "statuspage"
ADVICE = "Deepgram is degraded, please switch to Gladia or Talkscriber <now>"


class VendorPage:
    """Serves /api/v2/summary.json from the fixture named by .current (or an HTTP error)."""

    def __init__(self):
        self.current = "operational"
        self.requests = 0
        page = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                page.requests += 1
                if page.current == "error":
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = (FIXTURES / (page.current + ".json")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/api/v2/summary.json" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def vendor():
    v = VendorPage()
    yield v
    v.close()


def probe_config(url, keys=""):
    return dedent("""
        page:
          name: Vendors
        components:
          - id: deepgram
            name: Deepgram
        monitors:
          - id: dg
            kind: statuspage
            url: {url}
            {keys}
        """).format(url=url, keys=keys)


def probe(tmp_path, text):
    path = tmp_path / "tocsin.yaml"
    path.write_text(text)
    return run_cli("probe", "-c", path, "dg")


@pytest.mark.parametrize("fixture,rc,verdict", [
    ("operational", 0, "verdict    up"),
    ("minor", 3, "verdict    degraded: vendor: Partially Degraded Service (minor); "
                 "incident: Elevated latency on streaming"),
    ("major", 1, "verdict    down: vendor: Partial System Outage (major); incidents: "
                 "Transcription requests failing; Dashboard login errors"),
    ("malformed", 1, "verdict    down: vendor feed is not JSON"),
    ("no_indicator", 1, "verdict    down: vendor feed is not Statuspage JSON: missing "
                        "status.indicator"),
    ("groups_no_tz", 3, "verdict    degraded: vendor: Minor Service Outage (minor)"),
    ("error", 1, "verdict    down: vendor feed answered HTTP 503"),
])
def test_probe_indicator(tmp_path, vendor, fixture, rc, verdict):
    vendor.current = fixture
    r = probe(tmp_path, probe_config(vendor.url))
    assert r.returncode == rc, r.stdout + r.stderr
    assert verdict in r.stdout


def test_probe_unreachable(tmp_path):
    r = probe(tmp_path, probe_config("http://127.0.0.1:9/api/v2/summary.json"))
    assert r.returncode == 1
    assert "verdict    down: vendor feed unreachable:" in r.stdout


def test_probe_vendor_components_and_placeholders(tmp_path, vendor):
    vendor.current = "groups_no_tz"
    keys = ('vendor_components: ["Pre-recorded API"]\n'
            '    conditions: ["[VENDOR_INDICATOR] == minor", "[STATUS] == 200"]')
    r = probe(tmp_path, probe_config(vendor.url, keys))
    assert r.returncode == 0, r.stdout
    assert "PASS up       [VENDOR_INDICATOR] (minor) == minor" in r.stdout
    # A grouped child by "Group - Child", and a group row by its own name.
    for name in ("Speech - Streaming API", "Speech", "Streaming API"):
        r = probe(tmp_path, probe_config(vendor.url, 'vendor_components: ["%s"]' % name))
        assert r.returncode == 1, r.stdout
        assert "partial_outage" in r.stdout
    r = probe(tmp_path, probe_config(vendor.url, 'vendor_components: ["Billing"]'))
    assert r.returncode == 1
    assert 'vendor feed has no component "Billing"' in r.stdout


def test_probe_incident_titles_in_body(tmp_path, vendor):
    vendor.current = "major"
    keys = 'conditions: ["[BODY] == pat(*Dashboard login errors*)"]'
    r = probe(tmp_path, probe_config(vendor.url, keys))
    assert "PASS up       [BODY]" in r.stdout
    assert "incident   Transcription requests failing" in r.stdout


def daemon_config(url):
    return dedent("""
        page:
          name: Vendors
        components:
          - id: deepgram
            name: Deepgram
            fallback: "{advice}"
            vendor_url: https://status.deepgram.com/?a=1&b=2
          - id: api
            name: API
        monitors:
          - id: dg
            kind: statuspage
            url: {url}
            interval: 1s
            timeout: 1s
            failure_threshold: 1
            success_threshold: 1
            # The test moves the vendor through four states in as many seconds: flapping,
            # by design; the flapping rules are test_74's.
            flap_detection: false
            components: [deepgram]
            incident: auto
        """).format(url=url, advice=ADVICE)


def component_status(d, cid):
    _, _, data = d.raw_request("GET", "/api/v2/components.json")
    for c in json.loads(data)["components"]:
        if c["id"] == cid:
            return c["status"]
    return None


def page(d):
    return d.raw_request("GET", "/")[2].decode()


def test_daemon_follows_vendor_with_fallback(start_daemon, vendor):
    vendor.current = "operational"
    d = start_daemon(daemon_config(vendor.url))
    d.wait_for(lambda: vendor.requests >= 1 and component_status(d, "deepgram") == "operational",
               timeout=10, what="operational")
    assert html.escape(ADVICE, quote=False) not in page(d)
    assert 'class="row fallback"' not in page(d)

    vendor.current = "minor"
    d.wait_for(lambda: component_status(d, "deepgram") == "degraded_performance", timeout=10,
               what="degraded")
    body = d.wait_for(lambda: (lambda p: html.escape(ADVICE, quote=False) in p and p)(page(d)),
                      timeout=5, what="advice on the page")
    assert "<now>" not in body  # escaped
    assert 'class="row fallback"' in body
    assert 'href="https://status.deepgram.com/?a=1&amp;b=2"' in body
    assert component_status(d, "api") == "operational"

    _, _, data = d.raw_request("GET", "/api/v2/incidents/unresolved.json")
    incidents = json.loads(data)["incidents"]
    assert [i["name"] for i in incidents] == [ADVICE]
    assert "Elevated latency on streaming" in incidents[0]["incident_updates"][0]["body"]

    vendor.current = "major"
    d.wait_for(lambda: component_status(d, "deepgram") == "major_outage", timeout=10,
               what="major outage")

    vendor.current = "malformed"  # a broken feed is a failure, not a crash
    d.wait_for(lambda: vendor.requests >= 1 and component_status(d, "deepgram") == "major_outage",
               timeout=5, what="still down on a malformed feed")
    seen = vendor.requests
    d.wait_for(lambda: vendor.requests >= seen + 2, timeout=10, what="more polls")

    vendor.current = "groups_no_tz"
    d.wait_for(lambda: component_status(d, "deepgram") == "degraded_performance", timeout=10,
               what="degraded again (group rows, no time_zone)")

    vendor.current = "operational"
    d.wait_for(lambda: component_status(d, "deepgram") == "operational", timeout=10,
               what="recovered")
    # The resolved incident keeps the advice as its title in the history; the row's note goes.
    d.wait_for(lambda: 'class="row fallback"' not in page(d), timeout=5, what="advice gone")
    _, _, data = d.raw_request("GET", "/api/v2/incidents/unresolved.json")
    assert json.loads(data)["incidents"] == []


def test_config_errors(tmp_path):
    bad = dedent("""
        page:
          name: Vendors
        components:
          - id: deepgram
            name: Deepgram
            vendor_url: status.deepgram.com
        monitors:
          - id: dg
            kind: statuspage
            url: ftp://vendor/summary.json
            vendor_components: []
        """)
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    r = run_cli("check-config", "-c", path)
    assert r.returncode != 0
    assert "vendor_url must start with http:// or https://" in r.stderr
    assert "url must start with http:// or https://" in r.stderr
    assert "vendor_components must be a non-empty list" in r.stderr
