"""HTTP behaviour: ETags, content codings, methods, errors, limits, /healthz, /metrics."""

import gzip
import http.client
import json
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import (BASIC_CONFIG, TOCSIN_BIN, assert_no_sanitizer_report, free_port, header,
                      sanitizer_env)

DOCS = ["/", "/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json"]


def one(headers, name):
    values = header(headers, name)
    assert len(values) == 1, f"{name}: {values!r} in {headers!r}"
    return values[0]


def get(d, path, **hdrs):
    return d.raw_request("GET", path, headers=hdrs)


def assert_still_serving(d):
    status, _, body = d.raw_request("GET", "/api/v2/status.json")
    assert status == 200
    assert json.loads(body)["status"]["indicator"] == "none"


# -- ETag and conditional requests -----------------------------------------------------------

@pytest.mark.parametrize("path", DOCS)
def test_etag_present_and_stable(shared_daemon, path):
    s1, h1, b1 = get(shared_daemon, path)
    s2, h2, b2 = get(shared_daemon, path)
    assert s1 == s2 == 200
    etag = one(h1, "ETag")
    assert re.fullmatch(r'(W/)?"[^"]+"', etag), etag
    assert one(h2, "ETag") == etag
    assert b1 == b2


@pytest.mark.parametrize("path", DOCS)
def test_if_none_match_gives_304(shared_daemon, path):
    _, h, _ = get(shared_daemon, path)
    etag = one(h, "ETag")
    status, h304, body = get(shared_daemon, path, **{"If-None-Match": etag})
    assert status == 304
    assert body == b""
    assert one(h304, "ETag") == etag
    assert one(h304, "Vary") == "Accept-Encoding"
    assert header(h304, "Cache-Control")


def test_if_none_match_weak_prefix_matches(shared_daemon):
    path = "/api/v2/summary.json"
    _, h, _ = get(shared_daemon, path)
    etag = one(h, "ETag")
    assert not etag.startswith("W/")
    status, h304, body = get(shared_daemon, path, **{"If-None-Match": "W/" + etag})
    assert status == 304
    assert body == b""
    assert one(h304, "ETag") == etag


def test_if_none_match_list_and_star(shared_daemon):
    path = "/api/v2/summary.json"
    _, h, _ = get(shared_daemon, path)
    etag = one(h, "ETag")
    status, _, _ = get(shared_daemon, path, **{"If-None-Match": f'"nope", {etag}'})
    assert status == 304
    status, _, _ = get(shared_daemon, path, **{"If-None-Match": "*"})
    assert status == 304


def test_if_none_match_other_etag_gives_200(shared_daemon):
    status, _, body = get(shared_daemon, "/api/v2/summary.json",
                          **{"If-None-Match": '"0000000000000000"'})
    assert status == 200
    assert json.loads(body)["page"]["id"] == "testpage"


def test_etags_differ_per_coding(shared_daemon):
    path = "/api/v2/summary.json"
    _, hi, _ = get(shared_daemon, path)
    _, hg, _ = get(shared_daemon, path, **{"Accept-Encoding": "gzip"})
    assert one(hg, "Content-Encoding") == "gzip"
    assert one(hi, "ETag") != one(hg, "ETag"), "strong ETag shared by two different bodies"
    # The identity ETag must not validate a gzip response (strong ETags are per variant).
    status, _, body = get(shared_daemon, path,
                          **{"Accept-Encoding": "gzip", "If-None-Match": one(hi, "ETag")})
    assert status == 200
    assert gzip.decompress(body)


# -- content codings -------------------------------------------------------------------------

@pytest.mark.parametrize("path", DOCS)
def test_gzip(shared_daemon, path):
    _, _, plain = get(shared_daemon, path)
    status, h, body = get(shared_daemon, path, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert one(h, "Content-Encoding") == "gzip"
    assert one(h, "Vary") == "Accept-Encoding"
    assert body[:2] == b"\x1f\x8b"
    assert gzip.decompress(body) == plain
    if path != "/":
        assert json.loads(gzip.decompress(body)) == json.loads(plain)


@pytest.mark.parametrize("path", DOCS)
def test_brotli(shared_daemon, path):
    status, h, body = get(shared_daemon, path, **{"Accept-Encoding": "br"})
    assert status == 200
    assert one(h, "Content-Encoding") == "br"
    assert one(h, "Vary") == "Accept-Encoding"
    assert body and not body.startswith(b"{") and not body.startswith(b"<")
    try:
        import brotli  # optional
    except ImportError:
        return
    _, _, plain = get(shared_daemon, path)
    assert brotli.decompress(body) == plain


@pytest.mark.parametrize("accept", [None, "identity", "deflate", "gzip;q=0", "br;q=0, gzip;q=0",
                                    "compress"])
def test_identity(shared_daemon, accept):
    hdrs = {"Accept-Encoding": accept} if accept else {}
    # http.client would add "Accept-Encoding: identity" itself; skip_accept_encoding avoids it.
    conn = http.client.HTTPConnection(shared_daemon.host, shared_daemon.port, timeout=5)
    try:
        conn.putrequest("GET", "/api/v2/summary.json", skip_accept_encoding=True)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        h = resp.getheaders()
    finally:
        conn.close()
    assert resp.status == 200
    assert header(h, "Content-Encoding") in ([], ["identity"])
    assert one(h, "Vary") == "Accept-Encoding"
    assert json.loads(body)["page"]["id"] == "testpage"


@pytest.mark.parametrize("accept,want", [
    ("gzip, br", "br"),
    ("br;q=0, gzip", "gzip"),
    ("gzip;q=1.0, br;q=0.5", "gzip"),
    ("*", "br"),
    ("gzip;q=0, *", "br"),
    ("GZIP", "gzip"),
])
def test_accept_encoding_negotiation(shared_daemon, accept, want):
    status, h, _ = get(shared_daemon, "/api/v2/summary.json", **{"Accept-Encoding": accept})
    assert status == 200
    assert one(h, "Content-Encoding") == want


@pytest.mark.parametrize("path", DOCS)
def test_document_headers(shared_daemon, path):
    status, h, _ = get(shared_daemon, path)
    assert status == 200
    assert one(h, "Vary") == "Accept-Encoding"
    assert "max-age" in one(h, "Cache-Control")
    assert one(h, "Access-Control-Allow-Origin") == "*"
    assert one(h, "X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("path", ["/api/v2/summary.json?_=1700000000", "/?utm_source=x",
                                  "/api/v2/status?callback=x"])
def test_query_string_ignored(shared_daemon, path):
    status, _, body = get(shared_daemon, path)
    assert status == 200
    _, _, plain = get(shared_daemon, path.split("?")[0])
    assert body == plain


# -- methods ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", DOCS + ["/api/v2/summary"])
def test_head(shared_daemon, path):
    gs, gh, gbody = get(shared_daemon, path)
    hs, hh, hbody = shared_daemon.raw_request("HEAD", path)
    assert gs == hs == 200
    assert hbody == b""
    assert one(hh, "ETag") == one(gh, "ETag")
    assert one(hh, "Content-Type") == one(gh, "Content-Type")
    cl = header(hh, "Content-Length")
    if cl:
        assert int(cl[0]) == len(gbody)


def test_head_then_get_on_one_connection(shared_daemon):
    """A HEAD body must not be sent: the next response on the connection must parse."""
    conn = http.client.HTTPConnection(shared_daemon.host, shared_daemon.port, timeout=5)
    try:
        conn.request("HEAD", "/api/v2/summary.json")
        r1 = conn.getresponse()
        assert r1.read() == b""
        conn.request("GET", "/api/v2/status.json")
        r2 = conn.getresponse()
        assert r2.status == 200
        assert json.loads(r2.read())["status"]["indicator"] == "none"
    finally:
        conn.close()


def test_keep_alive_many_requests(shared_daemon):
    conn = http.client.HTTPConnection(shared_daemon.host, shared_daemon.port, timeout=5)
    try:
        for path in DOCS * 5:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            assert r.status == 200
    finally:
        conn.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/api/v2/summary.json", "/", "/healthz"])
def test_other_methods_405(shared_daemon, method, path):
    status, h, body = shared_daemon.raw_request(method, path, body=b"")
    assert status == 405
    allow = {m.strip() for m in one(h, "Allow").split(",")}
    assert {"GET", "HEAD"} <= allow
    assert method not in allow
    assert one(h, "Content-Type").startswith("application/json")
    assert "error" in json.loads(body)


def test_post_with_small_body_405(shared_daemon):
    status, h, body = shared_daemon.raw_request(
        "POST", "/api/v2/summary.json", body=b'{"x":1}',
        headers={"Content-Type": "application/json"})
    assert status == 405
    assert "error" in json.loads(body)


def test_options(shared_daemon):
    status, h, body = shared_daemon.raw_request("OPTIONS", "/api/v2/summary.json")
    assert status in (200, 204)
    assert "GET" in one(h, "Allow")
    assert one(h, "Access-Control-Allow-Origin") == "*"


# -- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v2/nope.json", "/api/v2/incidents/unknown.json",
                                  "/api/", "/api/v2/summary.json/extra"])
def test_404_json_under_api(shared_daemon, path):
    status, h, body = get(shared_daemon, path)
    assert status == 404
    assert one(h, "Content-Type").startswith("application/json")
    doc = json.loads(body)
    assert isinstance(doc, dict) and "error" in doc


@pytest.mark.parametrize("path", ["/nope", "/index.html", "/favicon.png", "/API/v2/summary.json"])
def test_404_html_elsewhere(shared_daemon, path):
    status, h, body = get(shared_daemon, path)
    assert status == 404
    assert one(h, "Content-Type").startswith("text/html")
    assert b"<html" in body.lower()


def test_404_head(shared_daemon):
    status, _, body = shared_daemon.raw_request("HEAD", "/api/v2/nope.json")
    assert status == 404
    assert body == b""


def test_unknown_path_post_404(shared_daemon):
    status, h, body = shared_daemon.raw_request("POST", "/api/v2/nope.json", body=b"x")
    assert status == 404
    assert "error" in json.loads(body)


# -- /healthz and /metrics -------------------------------------------------------------------

def test_healthz(shared_daemon):
    status, h, body = get(shared_daemon, "/healthz")
    assert status == 200
    assert body.strip() == b"ok"
    assert one(h, "Content-Type").startswith("text/plain")
    assert "no-store" in one(h, "Cache-Control")


def metric(text, name, labels=None):
    """The value of one sample in Prometheus text, or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        assert m, f"malformed metrics line {line!r}"
        if m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if labels is None or got == labels:
            return float(m.group(3))
    return None


def test_metrics(daemon):
    n = 7
    for _ in range(n):
        assert get(daemon, "/api/v2/summary.json")[0] == 200
    _, h, _ = get(daemon, "/api/v2/summary.json")
    etag = one(h, "ETag")
    for _ in range(3):
        assert get(daemon, "/api/v2/summary.json", **{"If-None-Match": etag})[0] == 304
    assert get(daemon, "/api/v2/nope.json")[0] == 404

    status, mh, body = get(daemon, "/metrics")
    assert status == 200
    assert one(mh, "Content-Type").startswith("text/plain")
    text = body.decode()
    assert "# TYPE tocsin_http_requests_total counter" in text
    assert metric(text, "tocsin_http_requests_total",
                  {"route": "/api/v2/summary.json", "code": "200"}) == n + 1
    assert metric(text, "tocsin_http_requests_total",
                  {"route": "/api/v2/summary.json", "code": "304"}) == 3
    assert metric(text, "tocsin_snapshot_generation") >= 1
    version = subprocess.run([TOCSIN_BIN, "--version"], capture_output=True, text=True,
                             env=sanitizer_env()).stdout.split()[-1]
    assert metric(text, "tocsin_build_info", {"version": version}) == 1
    assert metric(text, "tocsin_uptime_seconds") is not None

    # The counter keeps counting.
    assert get(daemon, "/api/v2/summary.json")[0] == 200
    text2 = get(daemon, "/metrics")[2].decode()
    assert metric(text2, "tocsin_http_requests_total",
                  {"route": "/api/v2/summary.json", "code": "200"}) == n + 2


def test_metrics_counts_suffixless_route_as_same_route(daemon):
    for _ in range(2):
        assert get(daemon, "/api/v2/summary")[0] == 200
    text = get(daemon, "/metrics")[2].decode()
    assert metric(text, "tocsin_http_requests_total",
                  {"route": "/api/v2/summary.json", "code": "200"}) == 2


# -- limits ----------------------------------------------------------------------------------

def raw_exchange(d, data, timeout=10, shutdown_write=False):
    """Send raw bytes; return everything received until EOF/timeout/reset."""
    s = socket.create_connection((d.host, d.port), timeout=timeout)
    chunks = []
    try:
        try:
            s.sendall(data)
            if shutdown_write:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        while True:
            try:
                c = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not c:
                break
            chunks.append(c)
    finally:
        s.close()
    return b"".join(chunks)


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


@pytest.mark.parametrize("size", [64 * 1024 + 1, 200 * 1024])
def test_request_body_over_64k(daemon, size):
    body = b"x" * size
    req = (b"POST /api/v2/summary.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
           b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % size)
    raw = raw_exchange(daemon, req + body)
    code = status_of(raw)
    # 413, or the server just closes the connection.
    assert code in (413, None), raw[:200]
    if code == 413:
        assert b"too large" in raw
    assert_still_serving(daemon)


def test_request_body_over_64k_gets_413(daemon):
    size = 100 * 1024
    req = (b"POST /api/v2/summary.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
           b"Content-Length: %d\r\n\r\n" % size)
    raw = raw_exchange(daemon, req + b"x" * size)
    assert status_of(raw) == 413, raw[:200]


def test_request_body_over_64k_chunked(daemon):
    chunk = b"y" * 16384
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(6)) + b"0\r\n\r\n"
    req = (b"PUT /api/v2/summary.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n")
    raw = raw_exchange(daemon, req + body)
    assert status_of(raw) == 413, raw[:200]
    assert_still_serving(daemon)


def test_request_body_under_64k_gets_405(daemon):
    size = 60 * 1024
    req = (b"POST /api/v2/summary.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
           b"Content-Length: %d\r\n\r\n" % size)
    raw = raw_exchange(daemon, req + b"z" * size)
    assert status_of(raw) == 405, raw[:200]
    assert_still_serving(daemon)


def test_huge_headers(daemon):
    lines = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"a" * 1000) for i in range(100))
    req = b"GET /api/v2/summary.json HTTP/1.1\r\nHost: t\r\n" + lines + b"Connection: close\r\n\r\n"
    assert len(req) > 100 * 1000
    raw = raw_exchange(daemon, req)
    code = status_of(raw)
    assert code is not None and 400 <= code < 500, raw[:300]
    assert_still_serving(daemon)


def test_huge_request_line(daemon):
    req = b"GET /api/v2/" + b"a" * 100000 + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    raw = raw_exchange(daemon, req)
    code = status_of(raw)
    assert code is not None and 400 <= code < 500, raw[:300]
    assert_still_serving(daemon)


@pytest.mark.parametrize("data", [b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\nHost: t\r\n\r\n",
                                  b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n"])
def test_malformed_request(daemon, data):
    raw = raw_exchange(daemon, data, timeout=5, shutdown_write=True)
    code = status_of(raw)
    assert code is None or 400 <= code < 600, raw[:200]
    assert_still_serving(daemon)


def test_idle_connection_closed_after_timeout(start_daemon):
    d = start_daemon(BASIC_CONFIG + "\nserver:\n  connection_timeout: 2\n")
    s = socket.create_connection((d.host, d.port), timeout=20)
    try:
        t0 = time.monotonic()
        try:
            data = s.recv(1024)
        except ConnectionResetError:
            data = b""
        except socket.timeout:
            pytest.fail("idle connection still open after 20 s (connection_timeout: 2)")
        elapsed = time.monotonic() - t0
    finally:
        s.close()
    assert data == b""
    # Closed after about 2 s; the default (15 s) would mean the setting was not applied.
    # Generous above: the machine may be busy.
    assert 1.0 <= elapsed <= 12.0, elapsed
    assert_still_serving(d)


def test_idle_keepalive_connection_closed_after_timeout(start_daemon):
    d = start_daemon(BASIC_CONFIG + "\nserver:\n  connection_timeout: 2\n")
    s = socket.create_connection((d.host, d.port), timeout=20)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        buf = b""
        while b"ok" not in buf:
            c = s.recv(4096)
            assert c, "closed before the response"
            buf += c
        t0 = time.monotonic()
        try:
            data = s.recv(1024)
        except ConnectionResetError:
            data = b""
        except socket.timeout:
            pytest.fail("idle keep-alive connection still open after 20 s")
        assert data == b""
        assert time.monotonic() - t0 <= 12.0  # about 2 s; the default is 15 s
    finally:
        s.close()


# -- start-up --------------------------------------------------------------------------------

def test_healthz_not_ok_before_first_snapshot(tmp_path):
    # Many rows make the first render (JSON, HTML, gzip and brotli variants) take a while.
    rows = "".join(f"  - id: c{i}\n    name: Component number {i}\n    description: "
                   f"Description of component {i}\n" for i in range(2000))
    cfg = tmp_path / "big.yaml"
    cfg.write_text("page:\n  name: Big\ncomponents:\n" + rows)
    port = free_port()
    log = tmp_path / "stderr.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [TOCSIN_BIN, "serve", "-c", str(cfg), "--listen", f"127.0.0.1:{port}",
             "--data", str(tmp_path / "data")],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=sanitizer_env())
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "never became healthy"
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                healthy = c.getresponse().status == 200
                c.close()
                if healthy:
                    break
            except OSError:
                time.sleep(0.002)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/api/v2/status.json")
        r = c.getresponse()
        r.read()
        c.close()
        first_status = r.status
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert_no_sanitizer_report(log.read_text())
    assert proc.returncode == 0
    assert first_status == 200, "/healthz is 200 but the API answers 503 (starting up)"
