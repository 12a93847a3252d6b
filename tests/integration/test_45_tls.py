"""HTTPS (server.tls): the page over TLS 1.2 and 1.3 and not older versions, HSTS on every
response, the plain-HTTP redirector, the certificate reloaded on SIGHUP while a connection
opened before keeps working, a bad pair refused at start, on reload and by check-config.
Certificates are made by the openssl command line for each test."""

import http.client
import os
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (TOCSIN_BIN, assert_no_sanitizer_report, dedent, free_port, run_cli,
                      sanitizer_env)


def make_cert(folder, name, cn="localhost"):
    """A self-signed EC certificate for localhost and 127.0.0.1: (cert path, key path)."""
    cert, key = Path(folder) / f"{name}.crt", Path(folder) / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={cn}",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


def der(cert_path):
    return ssl.PEM_cert_to_DER_cert(Path(cert_path).read_text())


def client_context(cafile, version=None):
    ctx = ssl.create_default_context(cafile=str(cafile))
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


class TlsDaemon:
    def __init__(self, folder, tls_yaml, cafile):
        self.dir = Path(folder)
        self.port = free_port()
        self.redirect_port = free_port()
        self.cafile = cafile
        self.config = self.dir / "tocsin.yaml"
        self.config.write_text(dedent(f"""
            page:
              name: TLS Page
            server:
              listen: 127.0.0.1:{self.port}
              tls:
            """) + "".join(f"    {line}\n" for line in tls_yaml.format(
                redirect=self.redirect_port).splitlines()))
        self.log = self.dir / "stderr.log"
        self.proc = None

    def start(self, expect_exit=None):
        with open(self.log, "wb") as f:
            self.proc = subprocess.Popen(
                [TOCSIN_BIN, "serve", "-c", str(self.config), "--data", str(self.dir / "data")],
                stdin=subprocess.DEVNULL, stdout=f, stderr=f, env=sanitizer_env())
        if expect_exit is not None:
            assert self.proc.wait(timeout=15) == expect_exit, self.stderr
            return self
        deadline = time.monotonic() + 15
        while True:
            assert self.proc.poll() is None, self.stderr
            try:
                status, _ = self.get("/")
                if status == 200:
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, self.stderr
            time.sleep(0.05)

    @property
    def stderr(self):
        return self.log.read_text(errors="replace")

    def connect(self, version=None):
        return http.client.HTTPSConnection("localhost", self.port, timeout=5,
                                           context=client_context(self.cafile, version))

    def get(self, path, version=None, method="GET"):
        """(status, headers) of one request on a fresh connection."""
        conn = self.connect(version)
        try:
            conn.request(method, path)
            r = conn.getresponse()
            r.read()
            return r.status, r.headers
        finally:
            conn.close()

    def reload(self, expect):
        """SIGHUP, then wait for @expect to appear in the log once more than before."""
        before = self.stderr.count(expect)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while self.stderr.count(expect) <= before:
            assert time.monotonic() < deadline, self.stderr
            time.sleep(0.05)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            assert self.proc.wait(timeout=15) == 0, self.stderr
        assert_no_sanitizer_report(self.stderr)


@pytest.fixture
def tls_daemon(tmp_path):
    started = []

    def start(tls_yaml="cert: a.crt\nkey: a.key\n", expect_exit=None):
        cert, _ = make_cert(tmp_path, "a")
        d = TlsDaemon(tmp_path, tls_yaml, cert)
        started.append(d)
        return d.start(expect_exit)

    yield start
    for d in started:
        d.stop()


def test_https_with_hsts_on_every_response(tls_daemon):
    d = tls_daemon()
    for path in ("/", "/api/v2/status.json", "/healthz", "/metrics", "/no-such-page",
                 "/v1/pages/tocsin/incidents"):
        status, headers = d.get(path)
        assert status in (200, 401, 404), (path, status)
        assert headers["Strict-Transport-Security"] == "max-age=31536000", path
    # A write goes to the engine and its reply carries the header too.
    status, headers = d.get("/v1/pages/tocsin/incidents", method="POST")
    assert status == 401 and headers["Strict-Transport-Security"] == "max-age=31536000"
    # The engine serves and reports https.
    assert f"on https://127.0.0.1:{d.port}/" in d.stderr


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls_1_2_and_1_3_are_served(tls_daemon, version):
    d = tls_daemon()
    conn = d.connect(version)
    conn.request("GET", "/")
    assert conn.getresponse().status == 200
    assert conn.sock.version() == {"TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3"}[version.name]
    conn.close()


def test_tls_1_1_is_refused(tls_daemon):
    d = tls_daemon()
    ctx = client_context(d.cafile, ssl.TLSVersion.TLSv1_1)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # lets this client offer TLS 1.1 at all
    with socket.create_connection(("127.0.0.1", d.port), timeout=5) as raw:
        with pytest.raises(ssl.SSLError):
            with ctx.wrap_socket(raw, server_hostname="localhost"):
                pass
    assert d.get("/")[0] == 200  # and the server carries on


def test_hsts_can_be_turned_off(tls_daemon):
    d = tls_daemon("cert: a.crt\nkey: a.key\nhsts: 0s\n")
    status, headers = d.get("/")
    assert status == 200 and "Strict-Transport-Security" not in headers


def raw_http(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    lines = head.split("\r\n")
    headers = dict(l.split(": ", 1) for l in lines[1:])
    return int(lines[0].split()[1]), headers


def test_plain_http_redirects_to_https(tls_daemon):
    d = tls_daemon("cert: a.crt\nkey: a.key\nredirect_from: 127.0.0.1:{redirect}\n")
    p = d.redirect_port
    status, h = raw_http(p, b"GET /history?month=2024-11&x=%20y HTTP/1.1\r\n"
                            b"Host: status.example.test\r\nConnection: close\r\n\r\n")
    assert status == 308
    assert h["Location"] == f"https://status.example.test:{d.port}/history?month=2024-11&x=%20y"
    assert "Strict-Transport-Security" not in h  # HSTS means nothing over plain http
    # The Host header's port is the plain one: dropped. IPv6 literals keep their brackets.
    status, h = raw_http(p, f"GET / HTTP/1.1\r\nHost: localhost:{p}\r\n"
                            "Connection: close\r\n\r\n".encode())
    assert (status, h["Location"]) == (308, f"https://localhost:{d.port}/")
    status, h = raw_http(p, b"GET /a HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\n\r\n")
    assert (status, h["Location"]) == (308, f"https://[::1]:{d.port}/a")
    # 308 keeps the method: a write is repeated over https, not turned into a GET.
    status, h = raw_http(p, b"POST /v1/pages/tocsin/incidents HTTP/1.1\r\nHost: localhost\r\n"
                            b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
    assert (status, h["Location"]) == (308, f"https://localhost:{d.port}/v1/pages/tocsin/incidents")
    # No Host, or one that is not a host name: refused rather than redirected somewhere odd.
    assert raw_http(p, b"GET / HTTP/1.0\r\n\r\n")[0] == 400
    assert raw_http(p, b"GET / HTTP/1.1\r\nHost: evil.example/x\r\nConnection: close\r\n\r\n")[0] == 400
    assert raw_http(p, "GET / HTTP/1.1\r\nHost: st\u00e4tus.example\r\nConnection: close\r\n\r\n"
                    .encode())[0] == 400
    # The https side is unaffected.
    assert d.get("/")[0] == 200


def test_sighup_swaps_the_certificate_and_keeps_open_connections(tls_daemon, tmp_path):
    d = tls_daemon()
    first = der(tmp_path / "a.crt")
    conn = d.connect()
    conn.request("GET", "/")
    assert conn.getresponse().read()
    sock = conn.sock
    assert sock.getpeercert(binary_form=True) == first

    # certbot-style renewal: new files at the same paths, then a reload.
    cert_b, _ = make_cert(tmp_path, "b", cn="renewed")
    os.replace(tmp_path / "b.crt", tmp_path / "a.crt")
    os.replace(tmp_path / "b.key", tmp_path / "a.key")
    d.cafile = tmp_path / "a.crt"
    d.reload("configuration reloaded")
    renewed = der(tmp_path / "a.crt")
    assert renewed != first

    # The connection opened before the reload carries on, on the same TLS session...
    conn.request("GET", "/api/v2/status.json")
    assert conn.getresponse().status == 200
    assert conn.sock is sock and sock.getpeercert(binary_form=True) == first
    conn.close()
    # ...and new handshakes get the new certificate.
    conn = d.connect()
    conn.request("GET", "/")
    assert conn.getresponse().status == 200
    assert conn.sock.getpeercert(binary_form=True) == renewed
    conn.close()


def test_reload_with_a_key_of_another_certificate_is_refused(tls_daemon, tmp_path):
    d = tls_daemon()
    make_cert(tmp_path, "other")
    os.replace(tmp_path / "other.key", tmp_path / "a.key")
    d.reload("reload refused")
    assert "does not belong to the certificate" in d.stderr
    # Still serving, with the certificate it had.
    conn = d.connect()
    conn.request("GET", "/")
    assert conn.getresponse().status == 200
    assert conn.sock.getpeercert(binary_form=True) == der(tmp_path / "a.crt")
    conn.close()


def test_start_without_a_readable_key_exits_1(tls_daemon, tmp_path):
    d = tls_daemon("cert: a.crt\nkey: missing.key\n", expect_exit=1)
    assert "cannot read the key" in d.stderr and "missing.key" in d.stderr


def test_check_config_checks_the_pair(tmp_path):
    make_cert(tmp_path, "a")
    make_cert(tmp_path, "b")
    conf = tmp_path / "tocsin.yaml"
    base = "page:\n  name: T\nserver:\n  listen: 127.0.0.1:8443\n  tls:\n"
    conf.write_text(base + "    cert: a.crt\n    key: a.key\n")
    p = run_cli("check-config", "-c", conf)
    assert p.returncode == 0, p.stderr
    conf.write_text(base + "    cert: a.crt\n    key: b.key\n")
    p = run_cli("check-config", "-c", conf)
    assert p.returncode == 2
    assert "server.tls: the key" in p.stderr and "does not belong" in p.stderr
    conf.write_text(base + "    cert: a.key\n    key: a.key\n")
    p = run_cli("check-config", "-c", conf)
    assert p.returncode == 2 and "holds no PEM certificate" in p.stderr
    # The keys themselves, at their line and column.
    conf.write_text(base + "    cert: a.crt\n    redirect_from: 127.0.0.1:8443\n    pin: x\n")
    p = run_cli("check-config", "-c", conf)
    assert p.returncode == 2
    assert ':6:5: server.tls: missing required key "key"' in p.stderr
    assert "redirect_from needs a port of its own" in p.stderr
    assert 'unknown key "pin"' in p.stderr


def test_a_taken_redirect_port_stops_the_start_cleanly(tls_daemon):
    # The HTTPS server is up by the time the redirector fails to bind: everything it holds
    # (the certificate included) is given back, which the sanitizers check at exit.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        d = tls_daemon(f"cert: a.crt\nkey: a.key\nredirect_from: 127.0.0.1:{port}\n",
                       expect_exit=1)
    assert f"cannot listen on 127.0.0.1:{port}: address in use" in d.stderr
